"""The health hubs' delivery job in its own process against the shared SMTP server (tests/support/smtp.py)."""

import json
import os
import signal
import subprocess
import sys
import time

DELIVER = """
import json, sys
from datetime import datetime
from services.common.db import make_engine
from services.health_hubs.care.notifications import deliver_pending
from services.health_hubs.settings import HealthHubsSettings
s = HealthHubsSettings(database_url=sys.argv[1], smtp_host="127.0.0.1", smtp_port=int(sys.argv[2]))
print(json.dumps(deliver_pending(make_engine(s.database_url), settings=s, now=datetime.fromisoformat(sys.argv[3]))))
"""


def run_delivery(database_url: str, box, now, *, kill_after_messages=None, kill_when=None):
    """The delivery job in its own process (as the worker runs it); with `kill_after_messages`, SIGKILLed once
    that many messages arrived, while the next one waits on its RCPT; with `kill_when` (a callable), SIGKILLed
    as soon as it returns true."""
    proc = subprocess.Popen([sys.executable, "-c", DELIVER, database_url, str(box.port), now.isoformat()],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
                            start_new_session=True)
    if kill_when is not None:
        deadline = time.monotonic() + 60
        while not kill_when() and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        return None
    if kill_after_messages is None:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        return json.loads(out.strip().splitlines()[-1])
    deadline = time.monotonic() + 60
    while len(box.messages) < kill_after_messages and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(box.rcpt_delay_s / 2)  # the next message is now waiting on its RCPT: nothing handed over
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return None
