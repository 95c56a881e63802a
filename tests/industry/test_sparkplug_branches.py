"""The Sparkplug B consumer's less common branches, message by message without a broker (the broker path is
tests/industry/test_mqtt.py): a topic that is not Sparkplug, a group that is no site, a late will of an older
session, and a device death that makes only that device's values stale."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from services.industry.telemetry import sparkplug
from services.industry.telemetry.models import SparkplugEvent, SparkplugNode
from services.industry.telemetry.mqtt import handle_message
from tests.industry.factories import make_plant

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class Consumer:
    """handle_message in its own transaction per message, as the consumer runs it."""

    def __init__(self, client):
        self.engine, self.settings = client.app.state.engine, client.app.state.settings

    def __call__(self, topic: str, payload: bytes, at: datetime) -> dict:
        with Session(self.engine) as session:
            out = handle_message(session, topic=topic, payload=payload, now=at, settings=self.settings)
            session.commit()
            return out

    def events(self, kind: str) -> list[SparkplugEvent]:
        with Session(self.engine) as session:
            return list(session.execute(select(SparkplugEvent).where(SparkplugEvent.kind == kind)).scalars())

    def node(self, group: str, edge: str) -> SparkplugNode:
        with Session(self.engine) as session:
            return session.execute(select(SparkplugNode).where(SparkplugNode.group_id == group,
                                                               SparkplugNode.edge_node_id == edge)).scalars().one()


def birth(group: str, node: str, bd_seq: int, at: datetime) -> tuple[str, bytes]:
    return (sparkplug.topic_for(group, "NBIRTH", node),
            sparkplug.encode(timestamp_ms=_ms(at), seq=0, metrics=[{"name": "bdSeq", "datatype": "Int64",
                                                                    "value": bd_seq}]))


def test_a_topic_that_is_not_sparkplug_is_recorded_and_skipped(client_for):
    consume = Consumer(client_for("industry"))
    before = len(consume.events("bad_topic"))
    for topic in ("spBv1.0/only-group", "plant/temperature", "spBv1.0/g/NOPE/node"):
        assert consume(topic, b"", T0) == {"outcome": "bad_topic"}
    assert len(consume.events("bad_topic")) == before + 3


def test_data_from_a_group_that_is_no_site_stores_nothing(client_for, auth):
    client = client_for("industry")
    consume = Consumer(client)
    group = f"nosite-{uuid.uuid4().hex[:6]}"
    # the node's state is kept (it is a gateway we may yet be told about), its data is not
    assert consume(*birth(group, "gw", 1, T0), T0) == {"outcome": "unknown_group"}
    assert consume.node(group, "gw").online is True
    out = consume(sparkplug.topic_for(group, "NDATA", "gw"),
                  sparkplug.encode(timestamp_ms=_ms(T0), seq=1, metrics=[{"name": "temp", "value": 1200.0}]), T0)
    assert out == {"outcome": "unknown_group"}
    assert any(e.detail.get("group_id") == group for e in consume.events("unknown_group"))


def test_the_late_will_of_an_older_session_does_not_take_the_node_down(client_for, auth):
    client = client_for("industry")
    site = f"spb-{uuid.uuid4().hex[:6]}"
    make_plant(client, auth, site_id=site)
    consume = Consumer(client)
    consume(*birth(site, "gw", 7, T0), T0)
    consume(*birth(site, "gw", 8, T0 + timedelta(seconds=30)), T0 + timedelta(seconds=30))  # reconnected
    will = sparkplug.encode(timestamp_ms=_ms(T0), seq=None, metrics=[{"name": "bdSeq", "datatype": "Int64",
                                                                      "value": 7}])
    out = consume(sparkplug.topic_for(site, "NDEATH", "gw"), will, T0 + timedelta(seconds=31))
    assert out == {"outcome": "old_death"}
    node = consume.node(site, "gw")
    assert node.online is True and node.deaths == 0 and node.bd_seq == 8
    # the current session's own will does take it down
    will = sparkplug.encode(timestamp_ms=_ms(T0), seq=None, metrics=[{"name": "bdSeq", "datatype": "Int64",
                                                                      "value": 8}])
    assert consume(sparkplug.topic_for(site, "NDEATH", "gw"), will, T0 + timedelta(minutes=2))["outcome"] == "death"
    node = consume.node(site, "gw")
    assert node.online is False and node.deaths == 1


def test_a_device_death_makes_only_that_devices_values_stale(client_for, auth):
    client = client_for("industry")
    site = f"spb-{uuid.uuid4().hex[:6]}"
    plant = make_plant(client, auth, site_id=site)
    consume = Consumer(client)
    now = datetime.now(UTC).replace(microsecond=0)
    consume(*birth(site, "gw", 1, now), now)
    for seq, (device, tag, value) in enumerate([("bf", "temp", 1201.0), ("stove", "pressure", 250.0)], start=1):
        topic = sparkplug.topic_for(site, "DBIRTH", "gw", device)
        payload = sparkplug.encode(timestamp_ms=_ms(now), seq=seq, metrics=[{"name": tag, "value": value}])
        assert consume(topic, payload, now)["stored"] == 1
    death = sparkplug.encode(timestamp_ms=_ms(now), seq=3, metrics=[])
    out = consume(sparkplug.topic_for(site, "DDEATH", "gw", "bf"), death, now + timedelta(seconds=5))
    assert out == {"outcome": "device_death", "stale": 1}
    latest = {row["tag"]: row for row in client.get(f"/v1/sites/{site}/latest", headers=plant["admin"]).json()}
    assert latest["temp"]["stale"] is True and latest["temp"]["stale_reason"] == "device_death"
    assert latest["pressure"]["stale"] is False
    assert consume.node(site, "gw").online is True  # a device died, not the node
