"""The Sparkplug B consumer: turns NBIRTH/DBIRTH/NDATA/DDATA/NDEATH/DDEATH into readings and node state.

It runs in `aicity industry mqtt` (continuously) or in the worker's `industry.consume_mqtt` job (a persistent
session drained each minute), never in web workers. The Sparkplug group id is the site id, the edge node is a
plant gateway, the device a work unit, and a metric's name the sensor's tag."""

import logging
import queue
import threading
import time
from datetime import UTC, datetime
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.industry.assets.models import Site
from services.industry.telemetry import service, sparkplug
from services.industry.telemetry.domain import check_readings, check_sequence
from services.industry.telemetry.models import SparkplugEvent, SparkplugNode

log = logging.getLogger("aicity.industry.mqtt")
SKIPPED_METRICS = ("bdSeq",)
SKIPPED_PREFIXES = ("Node Control/", "Device Control/", "Properties/")


def _event(session: Session, *, topic: str, kind: str, at: datetime, **detail) -> None:
    session.add(SparkplugEvent(at=at, topic=topic[:300], kind=kind, detail=detail))


def _node(session: Session, topic: sparkplug.Topic) -> SparkplugNode:
    query = select(SparkplugNode).where(SparkplugNode.group_id == topic.group_id,
                                        SparkplugNode.edge_node_id == topic.edge_node_id)
    node = session.execute(query.with_for_update()).scalars().first()
    if node is None:
        try:
            with session.begin_nested():
                node = SparkplugNode(group_id=topic.group_id, edge_node_id=topic.edge_node_id, aliases={})
                session.add(node)
                session.flush()
        except IntegrityError:
            node = session.execute(query.with_for_update()).scalars().one()
    return node


def handle_message(session: Session, *, topic: str, payload: bytes, now: datetime, settings) -> dict:
    """One MQTT message. A bad topic or payload is recorded as an event and skipped: the stream goes on."""
    try:
        t = sparkplug.parse_topic(topic)
    except ValueError as exc:
        _event(session, topic=topic, kind="bad_topic", at=now, error=str(exc))
        return {"outcome": "bad_topic"}
    if t.message_type in ("STATE", "NCMD", "DCMD"):
        return {"outcome": "ignored"}
    try:
        msg = sparkplug.decode(payload)
    except ValueError as exc:
        _event(session, topic=topic, kind="bad_payload", at=now, error=str(exc)[:300])
        return {"outcome": "bad_payload"}
    node = _node(session, t)
    node.last_message_at = now
    bd_seq = next((m["value"] for m in msg["metrics"] if m["name"] == "bdSeq"), None)
    if t.message_type == "NDEATH":
        if node.bd_seq is not None and bd_seq is not None and bd_seq != node.bd_seq:
            # the will of an older session arriving late: the node is already back
            _event(session, topic=topic, kind="old_death", at=now, bd_seq=bd_seq, current_bd_seq=node.bd_seq)
            return {"outcome": "old_death"}
        node.online = False
        node.deaths += 1
        node.last_death_at = now
        stale = service.mark_stale(session, source=t.node_source, reason="node_death", now=now,
                                   include_children=True)
        _event(session, topic=topic, kind="death", at=now, stale_sensors=stale)
        session.add(node)
        session.flush()
        return {"outcome": "death", "stale": stale}
    seq = msg["seq"]
    if t.message_type == "NBIRTH":
        node.online, node.births, node.last_birth_at, node.bd_seq = True, node.births + 1, now, bd_seq
        node.aliases = {}
        _event(session, topic=topic, kind="birth", at=now, bd_seq=bd_seq, seq=seq)
    elif seq is not None:
        status, missed = check_sequence(node.last_seq, seq)
        if status == "gap":
            node.seq_gaps += 1
            _event(session, topic=topic, kind="seq_gap", at=now, expected=(node.last_seq + 1) % 256, got=seq,
                   missed=missed)
    if seq is not None:
        node.last_seq = seq
    device_key = t.device_id or ""
    if t.message_type in ("NBIRTH", "DBIRTH"):
        aliases = dict(node.aliases or {})
        for m in msg["metrics"]:
            if m["name"] and m["alias"] is not None:
                aliases[f"{device_key}:{m['alias']}"] = m["name"]
        node.aliases = aliases
    session.add(node)
    if t.message_type == "DDEATH":
        stale = service.mark_stale(session, source=t.source, reason="device_death", now=now, include_children=False)
        _event(session, topic=topic, kind="device_death", at=now, stale_sensors=stale)
        session.flush()
        return {"outcome": "device_death", "stale": stale}
    if session.get(Site, t.group_id) is None:
        _event(session, topic=topic, kind="unknown_group", at=now, group_id=t.group_id)
        session.flush()
        return {"outcome": "unknown_group"}
    items = []
    for m in msg["metrics"]:
        name = m["name"] or (node.aliases or {}).get(f"{device_key}:{m['alias']}")
        if name in SKIPPED_METRICS or (name and name.startswith(SKIPPED_PREFIXES)) or m["value"] is None:
            continue
        value = m["value"]
        if isinstance(value, bool):
            value = 1.0 if value else 0.0
        items.append({"sensor": name, "ts": m["timestamp_ms"] or msg["timestamp_ms"]
                      or int(now.timestamp() * 1000), "value": value})
    rows, errors = check_readings(items, sensors=service.sensor_refs(session, site_id=t.group_id), now=now,
                                  max_age_s=settings.backlog_max_age_s, future_skew_s=settings.future_skew_s)
    if errors:
        _event(session, topic=topic, kind="bad_metrics", at=now, errors=[e.as_dict() for e in errors[:50]])
    new, dup = service.store_readings(session, rows=rows, source=t.source, now=now)
    session.flush()
    return {"outcome": "data", "stored": new, "duplicates": dup, "rejected": len(errors)}


def parse_broker_url(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    if parsed.scheme not in ("mqtt", "tcp") or not parsed.hostname:
        raise ValueError(f"broker URL must look like mqtt://host:1883, not {url!r}")
    return parsed.hostname, parsed.port or 1883


def run_consumer(
    engine: Engine, settings, *, stop: threading.Event | None = None, duration_s: float | None = None,
    topic: str = "spBv1.0/#", client_id: str | None = None, persistent: bool = True,
    ready: threading.Event | None = None,
) -> dict:
    """Subscribes (QoS 1) and handles messages in order, a small batch per transaction, until `stop` is set
    or `duration_s` has passed. With `persistent`, the broker keeps QoS 1 messages while we are away."""
    import paho.mqtt.client as mqtt

    host, port = parse_broker_url(settings.mqtt_url)
    inbox: queue.Queue = queue.Queue()
    stop = stop or threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or settings.mqtt_client_id,
                         clean_session=not persistent)

    def on_connect(c, _userdata, _flags, reason_code, _props):
        if reason_code.is_failure:
            log.warning("MQTT connect refused: %s", reason_code)
            return
        c.subscribe(topic, qos=1)

    def on_subscribe(_c, _userdata, _mid, _codes, _props):
        if ready is not None:
            ready.set()

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = lambda _c, _u, message: inbox.put((message.topic, bytes(message.payload)))
    client.connect(host, port, keepalive=30)
    client.loop_start()
    counts: dict[str, int] = {}
    deadline = time.monotonic() + duration_s if duration_s else None
    try:
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            try:
                batch = [inbox.get(timeout=0.2)]
            except queue.Empty:
                continue
            while len(batch) < 200:
                try:
                    batch.append(inbox.get_nowait())
                except queue.Empty:
                    break
            _handle_batch(engine, settings, batch, counts)
    finally:
        client.loop_stop()
        client.disconnect()
    leftover = []
    while not inbox.empty():
        leftover.append(inbox.get_nowait())
    if leftover:
        _handle_batch(engine, settings, leftover, counts)
    return counts


def _handle_batch(engine: Engine, settings, batch: list[tuple[str, bytes]], counts: dict) -> None:
    with Session(engine, expire_on_commit=False) as session:
        for topic, payload in batch:
            now = datetime.now(UTC)
            try:
                with session.begin_nested():
                    outcome = handle_message(session, topic=topic, payload=payload, now=now, settings=settings)
            except Exception as exc:  # one poisoned message must not stop the stream
                log.exception("MQTT message failed: %s", topic)
                _event(session, topic=topic, kind="error", at=now, error=type(exc).__name__)
                outcome = {"outcome": "error"}
            counts[outcome["outcome"]] = counts.get(outcome["outcome"], 0) + 1
        session.commit()
