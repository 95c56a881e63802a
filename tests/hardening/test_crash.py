"""Crash safety: a steady stream of idempotent writes, the service SIGKILLed mid-stream and restarted, clients
retrying their unanswered writes with the same keys; every acknowledged write is then stored exactly once.
Runs on SQLite, and on PostgreSQL when AICITY_TEST_POSTGRES_URL is set (as the rest of the suite)."""

import os

import pytest

from tools.hardening import STREAMS, run_crash

POSTGRES_URL = os.environ.get("AICITY_TEST_POSTGRES_URL")


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize("service", list(STREAMS))
def test_every_acknowledged_write_survives_a_sigkill_exactly_once(service, tmp_path):
    result = run_crash(service, work_dir=tmp_path, postgres_url=POSTGRES_URL, writers=3,
                       before_kill_s=1.5, after_restart_s=1.0)
    print(result.line())
    assert result.acknowledged > 20, "the stream never got going"
    assert result.retried_after_kill >= 1, "no write was in flight at the kill: the test proved nothing"
    assert result.missing == 0, f"{result.missing} acknowledged writes were lost"
    assert result.duplicated == 0, f"{result.duplicated} writes were stored twice"
