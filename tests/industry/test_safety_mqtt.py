"""Gas readings through the real Mosquitto broker (Sparkplug B): an H2S excursion opens a safety alarm, escalates
by one e-mail to a real SMTP server, and clears; the node's death makes the detector stale."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.industry.safety.jobs import check_gas_detectors, deliver_safety_mail
from services.industry.telemetry import sparkplug
from tests.conftest import MQTT_URL
from tests.industry.mqtt_support import consumer_and_edge, wait_for
from tests.industry.safety_support import MANAGER, make_safety_site
from tests.support.smtp import start_smtp  # noqa: F401
from tools.hardening import free_port

pytestmark = pytest.mark.mqtt


def test_gas_over_sparkplug_opens_mails_once_clears_and_goes_stale_on_death(client_for, auth, start_smtp):  # noqa: F811
    port = free_port()
    box = start_smtp(port)
    client = client_for("industry", mqtt_url=MQTT_URL, safety_smtp_url=f"smtp://127.0.0.1:{port}")
    site = f"gas-{uuid.uuid4().hex[:8]}"
    plant = make_safety_site(client, auth, site_id=site, detector="pd7")
    admin, engine, settings = plant["admin"], client.app.state.engine, client.app.state.settings
    with consumer_and_edge(client, site=site) as pub:
        node, device = "gas-gw", "bf2"
        seq = iter(range(256))

        def publish(mtype, metrics, dev=device):
            ms = int(datetime.now(UTC).timestamp() * 1000)
            payload = sparkplug.encode(timestamp_ms=ms, seq=None if mtype == "NDEATH" else next(seq), metrics=metrics)
            pub.publish(sparkplug.topic_for(site, mtype, node, dev), payload, qos=1).wait_for_publish(5)
            time.sleep(0.01)

        def active():
            return client.get("/v1/safety/alarms", headers=admin, params={"site_id": site, "active": True}).json()

        publish("NBIRTH", [{"name": "bdSeq", "datatype": "Int64", "value": 3}], dev=None)
        publish("DBIRTH", [{"name": "pd7.o2", "alias": 1, "value": 20.9}, {"name": "pd7.h2s", "alias": 2, "value": 0.0},
                           {"name": "pd7.co", "alias": 3, "value": 2.0}, {"name": "pd7.co2", "alias": 4, "value": 0.04},
                           {"name": "pd7.lel", "alias": 5, "value": 0.0}, {"name": "pd7.status", "alias": 6, "value": 0}])
        publish("DDATA", [{"alias": 2, "value": 14.5}])
        publish("DDATA", [{"alias": 2, "value": 22.0}])
        alarm = wait_for(lambda: next((a for a in active() if a["cause"] == "gas:h2s:high" and a["peak_value"] == 22.0),
                                      None))
        assert alarm["severity"] == "critical" and alarm["escalated_at"] is not None
        now = datetime.now(UTC)
        assert deliver_safety_mail(engine, settings=settings, now=now) == {"sent": 1, "failed": 0}
        assert deliver_safety_mail(engine, settings=settings, now=now + timedelta(minutes=1)) == {"sent": 0, "failed": 0}
        assert len(box.messages) == 1 and box.messages[0]["To"] == MANAGER
        assert "황화수소" in box.messages[0]["Subject"]

        publish("DDATA", [{"alias": 2, "value": 3.0}])
        wait_for(lambda: not any(a["cause"].startswith("gas:") for a in active()))
        gas_view = {g["gas"]: g for g in client.get("/v1/safety/detectors/pd7/gas", headers=admin).json()}
        assert gas_view["h2s"]["value"] == 3.0 and gas_view["h2s"]["status"] == "ok"

        publish("NDEATH", [{"name": "bdSeq", "datatype": "Int64", "value": 3}], dev=None)
        wait_for(lambda: client.get("/v1/safety/detectors/pd7/gas", headers=admin).json()[0]["stale"])
        check_gas_detectors(engine, now=datetime.now(UTC))
        stale = [a for a in active() if a["cause"] == "stale"]
        assert len(stale) == 1 and "통신" in stale[0]["message"]
        assert len(box.messages) == 1  # the fault alarm's mail waits for the next delivery run
        deliver_safety_mail(engine, settings=settings, now=datetime.now(UTC))
        assert len(box.messages) == 2 and "통신" in box.messages[1]["Subject"]
