"""Helpers of the Sparkplug tests on the real Mosquitto broker: the service's consumer subscribed to one group,
an edge publisher beside it, and polling until the API shows what was published."""

import threading
import time
from contextlib import contextmanager

from services.industry.telemetry.mqtt import parse_broker_url, run_consumer
from tests.conftest import MQTT_URL


def wait_for(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


@contextmanager
def consumer_and_edge(client, *, site: str):
    """Runs the app's Sparkplug consumer on `spBv1.0/<site>/#` and yields a connected paho publisher; both are
    stopped on the way out."""
    import paho.mqtt.client as mqtt

    stop, ready = threading.Event(), threading.Event()
    consumer = threading.Thread(target=run_consumer, args=(client.app.state.engine, client.app.state.settings),
                                kwargs={"stop": stop, "ready": ready, "topic": f"spBv1.0/{site}/#",
                                        "client_id": f"test-consumer-{site}", "persistent": False}, daemon=True)
    consumer.start()
    pub = None
    try:
        assert ready.wait(10), "consumer did not subscribe"
        host, port = parse_broker_url(MQTT_URL)
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-edge-{site}")
        pub.connect(host, port)
        pub.loop_start()
        yield pub
    finally:
        if pub is not None:
            pub.loop_stop()
            pub.disconnect()
        stop.set()
        consumer.join(10)
