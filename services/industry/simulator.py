"""Demo activity for industry: the simulated plant's gateways post telemetry, shift records and hourly air
means over the HTTP API (`aicity simulate`); `run_mqtt_plant` publishes the same plant as Sparkplug B."""

import random
import time
import uuid
from datetime import UTC, datetime

import httpx

from services.industry import plant
from services.industry.safety import demo as safety_demo


class Simulator:
    def __init__(self, *, base_url: str, credentials: dict, rng, rate: float):
        self.base_url = base_url.rstrip("/")
        self.rng = rng
        self.rate = rate
        self.model = plant.PlantModel(rng)
        self.keys = {site["id"]: credentials.get("devices", {}).get(f"gateway-{site['id']}", {}).get("key")
                     for site in plant.SITES}
        self.started = time.monotonic()
        self.last_step: datetime | None = None
        self.last_record: dict[str, datetime] = {}
        self.last_air_hour: datetime | None = None
        self.client = httpx.Client(base_url=self.base_url, timeout=10.0)

    def _post(self, site_id: str, path: str, body: dict) -> dict | None:
        key = self.keys.get(site_id)
        if not key:
            return None
        r = self.client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
        r.raise_for_status()
        return r.json()

    def step(self, now: datetime | None = None) -> dict:
        now = now or datetime.now(UTC)
        t_s = time.monotonic() - self.started
        dt = min(10.0, (now - self.last_step).total_seconds()) if self.last_step else 1.0
        self.last_step = now
        by_site: dict[str, list] = {}
        for spec in plant.SENSORS:
            site = plant.SITE_OF_UNIT[spec.work_unit_id]
            by_site.setdefault(site, []).append(
                {"sensor": spec.tag, "ts": now.isoformat(), "value": self.model.value(spec, t_s, dt_s=dt)})
        sent = 0
        for site, readings in by_site.items():
            if self._post(site, "/v1/telemetry", {"batch_id": str(uuid.uuid4()), "readings": readings}):
                sent += len(readings)
        # a record per producing unit every 5 minutes
        for unit_id in plant.PRODUCTION:
            start = self.last_record.get(unit_id)
            if start is None:
                self.last_record[unit_id] = now
                continue
            if (now - start).total_seconds() >= 300 / max(self.rate, 0.01):
                period = (now - start).total_seconds()
                body = {"id": str(uuid.uuid4()), "work_unit_id": unit_id, "period_start": start.isoformat(),
                        "period_end": now.isoformat(), **self.model.production(unit_id, period)}
                self._post(plant.SITE_OF_UNIT[unit_id], "/v1/production-records", body)
                self.last_record[unit_id] = now
        # hourly air means, once per hour
        hour = now.replace(minute=0, second=0, microsecond=0)
        if self.last_air_hour != hour:
            self.last_air_hour = hour
            for site in {m["site_id"] for m in plant.AIR_MONITORS}:
                readings = []
                for m in plant.AIR_MONITORS:
                    if m["site_id"] == site:
                        pm10, pm25 = self.model.air(m, int(hour.timestamp() // 3600))
                        readings.append({"monitor_id": m["id"], "ts": hour.isoformat(), "pm10": pm10, "pm25": pm25})
                self._post(site, "/v1/air/readings", {"readings": readings})
        # the safety shift: gas detectors and the casthouse weather, in their own batch
        gas = safety_demo.live_readings(now, t_s, self.rng)
        gas_sent = len(gas) if self._post(plant.STEELWORKS, "/v1/telemetry",
                                          {"batch_id": str(uuid.uuid4()), "readings": gas}) else 0
        return {"readings": sent, "safety_readings": gas_sent}


def run_mqtt_plant(url: str, *, duration_s: float = 0, interval_s: float = 1.0, seed: int = 11) -> None:
    """Each site's gateway is a Sparkplug B edge node (group = site id), each work unit a device. NDEATH is
    registered as the MQTT will, so the consumer marks the data stale if this process dies."""
    import paho.mqtt.client as mqtt

    from services.industry.telemetry import sparkplug
    from services.industry.telemetry.mqtt import parse_broker_url

    host, port = parse_broker_url(url)
    model = plant.PlantModel(random.Random(seed))
    clients, seqs = {}, {}
    bd_seq = int(time.time()) % 256
    for site in plant.SITES:
        if site["kind"] == "town":
            continue
        group, node = site["id"], f"gateway-{site['id']}"
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"aicity-sim-{group}")
        death = sparkplug.encode(timestamp_ms=int(time.time() * 1000), seq=None,
                                 metrics=[{"name": "bdSeq", "datatype": "Int64", "value": bd_seq}])
        c.will_set(sparkplug.topic_for(group, "NDEATH", node), death, qos=1)
        c.connect(host, port, keepalive=30)
        c.loop_start()
        clients[group] = (c, node)
        seqs[group] = 0
        ts = int(time.time() * 1000)
        c.publish(sparkplug.topic_for(group, "NBIRTH", node), sparkplug.encode(
            timestamp_ms=ts, seq=0, metrics=[{"name": "bdSeq", "datatype": "Int64", "value": bd_seq}]), qos=1)
        for unit_id, unit_site in plant.SITE_OF_UNIT.items():
            if unit_site != group:
                continue
            seqs[group] = (seqs[group] + 1) % 256
            specs = [s for s in plant.SENSORS if s.work_unit_id == unit_id]
            c.publish(sparkplug.topic_for(group, "DBIRTH", node, unit_id), sparkplug.encode(
                timestamp_ms=ts, seq=seqs[group],
                metrics=[{"name": s.tag, "alias": i + 1, "value": model.value(s, 0)} for i, s in enumerate(specs)]),
                qos=1)
    started = time.monotonic()
    try:
        while not duration_s or time.monotonic() - started < duration_s:
            t_s = time.monotonic() - started
            ts = int(time.time() * 1000)
            for group, (c, node) in clients.items():
                for unit_id, unit_site in plant.SITE_OF_UNIT.items():
                    if unit_site != group:
                        continue
                    seqs[group] = (seqs[group] + 1) % 256
                    specs = [s for s in plant.SENSORS if s.work_unit_id == unit_id]
                    c.publish(sparkplug.topic_for(group, "DDATA", node, unit_id), sparkplug.encode(
                        timestamp_ms=ts, seq=seqs[group],
                        metrics=[{"alias": i + 1, "timestamp_ms": ts, "value": model.value(s, t_s, interval_s)}
                                 for i, s in enumerate(specs)]), qos=1)
            time.sleep(interval_s)
    except KeyboardInterrupt:
        pass
    finally:
        for group, (c, node) in clients.items():
            # a clean stop still says so: the data is stale from now on
            c.publish(sparkplug.topic_for(group, "NDEATH", node), sparkplug.encode(
                timestamp_ms=int(time.time() * 1000), seq=None,
                metrics=[{"name": "bdSeq", "datatype": "Int64", "value": bd_seq}]), qos=1).wait_for_publish(2)
            c.loop_stop()
            c.disconnect()


