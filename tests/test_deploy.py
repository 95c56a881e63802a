"""Beyond one machine: a service with two uvicorn workers on PostgreSQL serves signed-in callers."""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import Session

from services.common import migrate
from services.identity.accounts.service import create_account
from tools.hardening import free_port

pytestmark = pytest.mark.postgres


def test_two_workers_on_postgres(databases, identity_db, tmp_path):
    url = databases.new_url("deploy_talent")
    migrate.upgrade("talent_academy", url)
    with Session(identity_db.engine) as session:
        create_account(session, username="deploy-official", password="official-pass", role="official")
        session.commit()
    port = free_port()
    env = {**os.environ, "TALENT_ACADEMY_DATABASE_URL": url, "AICITY_IDENTITY_DATABASE_URL": identity_db.url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "services.talent_academy.main:create_app", "--port", str(port),
         "--workers", "2", "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        token = httpx.post(f"{base}/v1/auth/token",
                           data={"username": "deploy-official", "password": "official-pass"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def call(_):
            return httpx.get(f"{base}/v1/jobs", headers=headers, timeout=10).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(call, range(80)))
        assert statuses == [200] * 80
        assert len(subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()) >= 2
    finally:
        proc.terminate()
        proc.wait(timeout=20)
