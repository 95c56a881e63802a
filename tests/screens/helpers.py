"""Helpers of the screen tests: a service under uvicorn on a free port, Chromium with a fake camera,
screenshots and the axe-core check."""

import os
import shutil
import socket
import threading
import time
import uuid
from pathlib import Path

from sqlmodel import Session

from services.common import migrate
from services.common.auth import issue_token
from services.identity.accounts.service import create_account
from services.identity.devices.service import create_device
from services.suite import SERVICES

CHROMIUM = os.environ.get("AICITY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# var/screenshots by default (ignored by git); AICITY_SCREENSHOTS_DIR=docs/screenshots refreshes the committed ones
_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("AICITY_SCREENSHOTS_DIR") or _ROOT / "var" / "screenshots") / "screens"
BASE_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--no-first-run", "--disable-sync"]


class LiveServer:
    """One service app under uvicorn in a thread, on a socket bound to a free port."""

    def __init__(self, app):
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("service did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


class ServiceUnderTest:
    """A running service with its own fresh migrated database and identity database."""

    def __init__(self, name: str, databases, **overrides):
        self.name = name
        self.identity_url = databases.new_url(f"screens_identity_{name}")
        migrate.upgrade("identity", self.identity_url)
        self.db_url = databases.new_url(f"screens_{name}")
        migrate.upgrade(name, self.db_url)
        self.settings = SERVICES[name].settings(database_url=self.db_url, identity_database_url=self.identity_url,
                                                **overrides)
        self.app = SERVICES[name].create_app(self.settings)
        self.live = LiveServer(self.app)
        self.url = self.live.url

    @property
    def engine(self):
        return self.app.state.engine

    @property
    def identity_engine(self):
        return self.app.state.identity_engine

    def device(self, kind: str, place: str | None = None) -> tuple[str, str]:
        with Session(self.identity_engine) as session:
            device, key = create_device(session, name=f"{kind}-{uuid.uuid4().hex[:6]}", kind=kind, place=place)
            session.commit()
            return device.id, key

    def token(self, role: str, **place) -> str:
        with Session(self.identity_engine, expire_on_commit=False) as session:
            account = create_account(session, username=f"{role}-{uuid.uuid4().hex[:8]}", password="password-123",
                                     role=role, **place)
            session.commit()
        return issue_token(self.settings.auth_secret, account=account, ttl_s=3600)[0]

    def headers(self, role: str, **place) -> dict:
        return {"Authorization": f"Bearer {self.token(role, **place)}"}

    def stop(self) -> None:
        self.live.stop()


def launch(playwright_instance, *, camera: Path | None = None):
    args = list(BASE_ARGS)
    if camera is not None:
        args += ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 f"--use-file-for-fake-video-capture={camera}"]
    return playwright_instance.chromium.launch(executable_path=CHROMIUM, args=args)


def shot(page, name: str) -> Path:
    """Saves a screenshot of the page's current state under SCREENSHOTS."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page, label: str) -> None:
    """axe-core in the page: no serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    bad = [v for v in result.response["violations"] if v.get("impact") in ("serious", "critical")]
    detail = "; ".join(f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:4]} "
                       f"{[n.get('failureSummary', '')[:160] for n in v['nodes']][:2]}" for v in bad)
    assert not bad, f"{label}: {detail}"


def keep_key(page, storage_name: str, key: str) -> None:
    """A screen that was paired before: its device key is in its localStorage (never in its address) when the
    page loads. Only set if absent, so a screen that pairs again keeps its new key."""
    page.add_init_script(f"""try {{
        if (location.protocol.startsWith("http") && !localStorage.getItem({storage_name!r}))
            localStorage.setItem({storage_name!r}, {key!r});
    }} catch (_) {{}}""")
