"""Sparkplug B through the real Mosquitto broker: births, data by alias, a sequence gap, a bad payload and a
node death, read back through the HTTP API."""

import time
import uuid
from datetime import UTC, datetime

import pytest

from services.industry.telemetry import sparkplug
from tests.conftest import MQTT_URL
from tests.industry.factories import make_plant
from tests.industry.mqtt_support import consumer_and_edge, wait_for

pytestmark = pytest.mark.mqtt


def test_sparkplug_stream_with_gap_bad_payload_and_node_death(client_for, auth):
    client = client_for("industry", mqtt_url=MQTT_URL)
    site = f"spb-{uuid.uuid4().hex[:8]}"
    plant = make_plant(client, auth, site_id=site)
    admin = plant["admin"]
    with consumer_and_edge(client, site=site) as pub:
        node, device = "gateway-1", "bf"

        def publish(mtype, payload, dev=None):
            pub.publish(sparkplug.topic_for(site, mtype, node, dev), payload, qos=1).wait_for_publish(5)

        def ms():
            return int(datetime.now(UTC).timestamp() * 1000)

        publish("NBIRTH", sparkplug.encode(timestamp_ms=ms(), seq=0, metrics=[
            {"name": "bdSeq", "datatype": "Int64", "value": 7}]))
        publish("DBIRTH", sparkplug.encode(timestamp_ms=ms(), seq=1, metrics=[
            {"name": "temp", "alias": 1, "value": 1201.0}, {"name": "pressure", "alias": 2, "value": 250.0}]), device)
        time.sleep(0.01)
        publish("DDATA", sparkplug.encode(timestamp_ms=ms(), seq=2, metrics=[
            {"alias": 1, "value": 1202.5}, {"alias": 2, "datatype": "Float", "value": 251.5}]), device)
        time.sleep(0.01)
        # messages 3 and 4 were lost on the way
        publish("DDATA", sparkplug.encode(timestamp_ms=ms(), seq=5, metrics=[{"alias": 1, "value": 1204.0}]), device)
        publish("DDATA", b"\x08\x96\x01garbage-not-protobuf\xff", device)
        time.sleep(0.01)
        publish("DDATA", sparkplug.encode(timestamp_ms=ms(), seq=6, metrics=[
            {"alias": 1, "value": 1205.0}, {"name": "no-such-sensor", "value": 1.0}]), device)
        publish("NDEATH", sparkplug.encode(timestamp_ms=ms(), seq=None, metrics=[
            {"name": "bdSeq", "datatype": "Int64", "value": 7}]))

        def nodes():
            found = client.get("/v1/sparkplug/nodes", headers=admin, params={"group_id": site}).json()
            return found if found and found[0]["deaths"] == 1 else None

        node_state = wait_for(nodes)[0]
        assert node_state["online"] is False and node_state["seq_gaps"] == 1 and node_state["births"] == 1
        assert node_state["last_seq"] == 6
        events = client.get("/v1/sparkplug/events", headers=admin, params={"limit": 50}).json()
        mine = [e for e in events if f"/{site}/" in e["topic"]]
        kinds = [e["kind"] for e in reversed(mine)]
        assert kinds == ["birth", "seq_gap", "bad_payload", "bad_metrics", "death"]
        gap = next(e for e in mine if e["kind"] == "seq_gap")["detail"]
        assert (gap["expected"], gap["got"], gap["missed"]) == (3, 5, 2)

        latest = {x["tag"]: x for x in client.get(f"/v1/sites/{site}/latest", headers=admin).json()}
        assert latest["temp"]["value"] == 1205.0 and latest["pressure"]["value"] == 251.5
        assert latest["temp"]["stale"] is True and latest["temp"]["stale_reason"] == "node_death"
        assert latest["temp"]["source"] == f"spb:{site}/{node}/{device}"
        series = client.get(f"/v1/sensors/{plant['sensors']['temp']}/series", headers=admin).json()
        assert [p["value"] for p in series] == [1201.0, 1202.5, 1204.0, 1205.0]

        # the node comes back: new birth, fresh data, no longer stale
        publish("NBIRTH", sparkplug.encode(timestamp_ms=ms(), seq=0, metrics=[
            {"name": "bdSeq", "datatype": "Int64", "value": 8}]))
        time.sleep(0.01)
        publish("DDATA", sparkplug.encode(timestamp_ms=ms(), seq=1, metrics=[{"name": "temp", "value": 1199.0}]),
                device)

        def fresh():
            latest = {x["tag"]: x for x in client.get(f"/v1/sites/{site}/latest", headers=admin).json()}
            return latest if latest["temp"]["value"] == 1199.0 else None

        latest = wait_for(fresh)
        assert latest["temp"]["stale"] is False and latest["pressure"]["stale"] is True
        node_state = client.get("/v1/sparkplug/nodes", headers=admin, params={"group_id": site}).json()[0]
        assert node_state["online"] is True and node_state["seq_gaps"] == 1
