"""The one command-line entry point: up, migrate, seed, worker, serve, simulate, bench, accounts, devices."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import typer
from sqlmodel import Session

from services.common import migrate as migrations
from services.common.db import make_engine
from services.common.settings import REPO_ROOT, VAR_DIR, ServiceSettings
from services.suite import DASHBOARD_PORT, SERVICES

app = typer.Typer(help="aicity: municipal AI services for a steel city.", no_args_is_help=True)
account_app = typer.Typer(help="People's accounts.", no_args_is_help=True)
device_app = typer.Typer(help="Devices and their API keys.", no_args_is_help=True)
app.add_typer(account_app, name="account")
app.add_typer(device_app, name="device")

CREDENTIALS_FILE = VAR_DIR / "demo-credentials.json"


def _add_service_commands() -> None:
    for name in SERVICES:
        app.add_typer(SERVICES[name].module("commands").app, name=name.replace("_", "-"))
    from services.transit.signals.commands import app as signals_app

    app.add_typer(signals_app, name="signals")


def _identity_settings() -> ServiceSettings:
    return ServiceSettings()


def _targets(service: str | None) -> list[str]:
    if service is None:
        return ["identity", *SERVICES]
    name = service.replace("-", "_")
    if name != "identity" and name not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}")
    return [name]


def _url(name: str) -> str:
    if name == "identity":
        return _identity_settings().identity_database_url
    return SERVICES[name].settings().database_url


@app.command()
def migrate(service: str = typer.Argument(None, help="identity, transit, health-hubs, ... (default: all)")) -> None:
    """Apply every migration (to head) for one service or all."""
    for name in _targets(service):
        migrations.upgrade(name, _url(name))
        typer.echo(f"migrated {name}")


@app.command()
def makemigration(service: str, message: str = typer.Option(..., "-m", "--message")) -> None:
    """Autogenerate a new migration for a service from its models (against a scratch SQLite database)."""
    import tempfile

    from alembic import command

    name = _targets(service)[0]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/scratch.db"
        migrations.upgrade(name, url)
        if name != "identity":
            SERVICES[name].metadata()
        command.revision(migrations.alembic_config(name, url), message=message, autogenerate=True)


def _seed(*, force: bool) -> dict:
    """The demo seed, or a one-line refusal (exit 2) outside dev: demo passwords are published."""
    from tools.demo import seed_suite

    try:
        return seed_suite(force=force)
    except RuntimeError as exc:
        typer.echo(f"aicity: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def seed(force: bool = typer.Option(False, help="seed again even if seeded before")) -> None:
    """Load demo accounts, devices and each service's demo data (first run only unless --force)."""
    summary = _seed(force=force)
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))


@app.command()
def serve(service: str, port: int = typer.Option(None), workers: int = typer.Option(1)) -> None:
    """Run one service's API with uvicorn."""
    name = service.replace("-", "_")
    entry = SERVICES[name]
    os.execvp(
        sys.executable,
        [sys.executable, "-m", "uvicorn", "--factory", f"services.{name}.main:create_app", "--host", "127.0.0.1",
         "--port", str(port or entry.port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
    )


@app.command()
def worker(run_now: bool = typer.Option(False, help="run every job once at start")) -> None:
    """Run every service's jobs in this one process."""
    from services.common.jobs import run_worker
    from services.common.observability import configure_logging

    configure_logging()
    entries = []
    for entry in SERVICES.values():
        settings = entry.settings()
        settings.check_secrets()
        engine = make_engine(settings.database_url)
        for job in entry.jobs():
            entries.append((job, engine, entry.job_run(), settings))
    run_worker(entries, run_now=run_now)


@app.command()
def simulate(
    rate: float = typer.Option(1.0, help="activity multiplier (1.0 = a calm weekday)"),
    duration_s: float = typer.Option(0, help="stop after this many seconds (0 = until stopped)"),
) -> None:
    """Drive every service through its real API with plausible activity."""
    from tools.simulate import run_simulation

    run_simulation(rate=rate, duration_s=duration_s, credentials=_load_credentials())


@app.command("dlib-blas")
def dlib_blas(force: bool = typer.Option(False, help="build again even if built before")) -> None:
    """Compile dlib with OpenBLAS into var/dlib-blas (optional: the face encoder ~4x faster; run with
    PYTHONPATH=var/dlib-blas)."""
    from tools.dlib_blas import build

    raise typer.Exit(build(force=force))


@app.command()
def bench(only: str = typer.Option(None, help="run only scripts whose name contains this")) -> None:
    """Run every script in benchmarks/ and write docs/BENCHMARKS.md."""
    from tools.bench import run_benchmarks

    run_benchmarks(only=only)


@account_app.command("create")
def account_create(
    username: str,
    role: str = typer.Option(..., help="admin, official, centre_staff, nurse, academy_staff, partner"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    centre_id: str = typer.Option(None),
    district: str = typer.Option(None),
    company_id: str = typer.Option(None),
    display_name: str = typer.Option(""),
) -> None:
    """Create a person's account with a role and place."""
    from services.identity.accounts.service import create_account

    engine = make_engine(_url("identity"))
    migrations.upgrade("identity", _url("identity"))
    with Session(engine) as session:
        account = create_account(session, username=username, password=password, role=role, centre_id=centre_id,
                                 district=district, company_id=company_id, display_name=display_name)
        session.commit()
        typer.echo(f"account {account.username} ({account.role}) id={account.id}")


@account_app.command("disable")
def account_disable(username: str) -> None:
    """Disable an account: it cannot sign in, and its tokens stop working on every service within seconds."""
    from services.identity.accounts.service import disable_account

    engine = make_engine(_url("identity"))
    with Session(engine) as session:
        account = disable_account(session, username=username, now=datetime.now(UTC))
        session.commit()
        typer.echo(f"account {account.username} disabled; its tokens are revoked")


@account_app.command("enable")
def account_enable(username: str) -> None:
    """Enable a disabled account again (it signs in anew; old tokens stay revoked)."""
    from services.identity.accounts.service import enable_account

    engine = make_engine(_url("identity"))
    with Session(engine) as session:
        account = enable_account(session, username=username)
        session.commit()
        typer.echo(f"account {account.username} enabled")


@account_app.command("change")
def account_change(
    username: str,
    role: str = typer.Option(None),
    centre_id: str = typer.Option(None),
    district: str = typer.Option(None),
    company_id: str = typer.Option(None),
) -> None:
    """Change an account's role or place (an empty value clears a place); its older tokens are revoked."""
    from services.identity.accounts.service import change_account

    engine = make_engine(_url("identity"))
    with Session(engine) as session:
        account = change_account(session, username=username, role=role, centre_id=centre_id, district=district,
                                 company_id=company_id)
        session.commit()
        typer.echo(f"account {account.username} ({account.role}, centre={account.centre_id}, "
                   f"district={account.district}, company={account.company_id}) token version {account.token_version}")


@device_app.command("create")
def device_create(
    name: str,
    kind: str = typer.Option(..., help="bus, enrolment_kiosk, detector, health_kiosk, gateway"),
    place: str = typer.Option(None, help="the centre, crossing, bus or plant it belongs to"),
) -> None:
    """Create a device; prints its API key once."""
    from services.identity.devices.service import create_device

    engine = make_engine(_url("identity"))
    migrations.upgrade("identity", _url("identity"))
    with Session(engine) as session:
        device, key = create_device(session, name=name, kind=kind, place=place)
        session.commit()
        typer.echo(f"device {device.id} ({device.kind}, {device.service}) key (shown once): {key}")


@device_app.command("pair")
def device_pair(device_id: str) -> None:
    """A one-time pairing code for a screen (valid 10 minutes, once): type it at the screen's set-up form, which
    exchanges it for a fresh device key kept on the device. No key in any address."""
    from services.identity.devices.service import create_pairing_code

    engine = make_engine(_url("identity"))
    migrations.upgrade("identity", _url("identity"))
    with Session(engine) as session:
        code = create_pairing_code(session, device_id=device_id, now=datetime.now(UTC))
        session.commit()
        typer.echo(f"pairing code for device {device_id} (valid 10 minutes, once): {code}")


@device_app.command("revoke")
def device_revoke(device_id: str) -> None:
    """Revoke a device's key at once."""
    from services.identity.devices.service import revoke_device

    engine = make_engine(_url("identity"))
    with Session(engine) as session:
        device = revoke_device(session, device_id=device_id, now=datetime.now(UTC))
        session.commit()
        typer.echo(f"device {device.id} revoked at {device.revoked_at.isoformat()}")


SCREENS = [  # (label, service, path, demo device name): the citizen screens `aicity up` prints
    ("health kiosk", "health_hubs", "/screens/health-kiosk", "kiosk-C001"),
    ("enrolment kiosk", "transit", "/screens/enrol", "enrol-kiosk-1"),
    ("bus door display", "transit", "/screens/door?bus=bus-101&route=101&stop=Jukdo%20Market", "bus-101"),
    ("academy (apply)", "talent_academy", "/screens/academy", None),  # public: no device key
]


def _screen_device(session: Session, demo: dict, name: str) -> str:
    """The id of the demo screen's own device (`screen-<demo device>`, same kind and place), created once. Not the
    demo device itself: the simulator signs with that one's key, and pairing replaces a device's key."""
    from sqlmodel import select

    from services.identity.devices.models import Device
    from services.identity.devices.service import create_device

    device = session.exec(select(Device).where(Device.name == f"screen-{name}", Device.revoked_at.is_(None))).first()
    if device is None:
        device, _ = create_device(session, name=f"screen-{name}", kind=demo["kind"], place=demo.get("place"))
    return device.id


def _screen_links() -> list[str]:
    """One line per screen. A device screen's address carries no key: a fresh one-time pairing code rides in its
    fragment (`#pair=XXXX-XXXX`, never sent to a server), which the screen exchanges at once for its own key."""
    from services.identity.devices.domain import PAIRING_TTL
    from services.identity.devices.service import create_pairing_code

    devices = json.loads(CREDENTIALS_FILE.read_text()).get("devices", {}) if CREDENTIALS_FILE.exists() else {}
    lines = []
    minutes = int(PAIRING_TTL.total_seconds() // 60)
    engine = make_engine(_url("identity")) if any(d in devices for *_, d in SCREENS if d) else None
    for label, service, path, device in SCREENS:
        base = f"http://127.0.0.1:{SERVICES[service].port}{path}"
        if device is None:
            lines.append(f"{label:<16} {base}")
        elif device in devices and engine is not None:
            with Session(engine) as session:
                device_id = _screen_device(session, devices[device], device)
                code = create_pairing_code(session, device_id=device_id, now=datetime.now(UTC))
                session.commit()
            lines.append(f"{label:<16} {base}#pair={code}")
            lines.append(f"{'':<16} (code valid {minutes} minutes, once; new one: ./aicity device pair {device_id})")
    if engine is not None:
        engine.dispose()
    return lines


def _load_credentials() -> dict:
    if not CREDENTIALS_FILE.exists():
        raise typer.BadParameter("no demo credentials yet: run `aicity seed` (or `aicity up`) first")
    return json.loads(CREDENTIALS_FILE.read_text())


@app.command()
def up(
    simulate_activity: bool = typer.Option(True, "--simulate/--no-simulate", help="drive the services with demo activity"),
    dashboard: bool = typer.Option(True, "--dashboard/--no-dashboard"),
) -> None:
    """Migrate, seed on first run, and run the four services, the job worker and the dashboard."""
    VAR_DIR.mkdir(exist_ok=True)
    for name in _targets(None):
        migrations.upgrade(name, _url(name))
    summary = _seed(force=False)
    python = sys.executable
    log_dir = VAR_DIR / "log"
    log_dir.mkdir(exist_ok=True)
    commands: dict[str, list[str]] = {}
    for name, entry in SERVICES.items():
        commands[name] = [python, "-m", "uvicorn", "--factory", f"services.{name}.main:create_app",
                          "--host", "127.0.0.1", "--port", str(entry.port), "--no-access-log"]
    commands["worker"] = [python, "-m", "services.cli", "worker"]
    if dashboard:
        commands["dashboard"] = [python, "-m", "streamlit", "run", str(REPO_ROOT / "dashboard" / "app.py"),
                                 "--server.port", str(DASHBOARD_PORT), "--server.address", "127.0.0.1",
                                 "--server.headless", "true", "--browser.gatherUsageStats", "false",
                                 "--client.toolbarMode", "minimal"]
    if simulate_activity:
        commands["simulate"] = [python, "-m", "services.cli", "simulate"]

    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(signum=None, _frame=None):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        typer.echo("\nstopping ...")
        for proc in children.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        typer.echo("all stopped")

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name, cmd in commands.items():
        log_file = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
        children[name] = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)

    typer.echo(f"aicity is starting (logs in {log_dir}):")
    for name, entry in SERVICES.items():
        typer.echo(f"  {name:<15} http://127.0.0.1:{entry.port}/docs")
    if dashboard:
        typer.echo(f"  {'dashboard':<15} http://127.0.0.1:{DASHBOARD_PORT}/")
    typer.echo("  worker          runs every service's jobs")
    if simulate_activity:
        typer.echo("  simulate        drives the services with demo activity")
    for line in summary.get("logins", []):
        typer.echo(f"  sign in as {line}")
    for line in _screen_links():
        typer.echo(f"  {line}")
    typer.echo("Ctrl-C stops everything.")
    reported: set[str] = set()
    while not stopping:
        for name, proc in children.items():
            if proc.poll() is not None and name not in reported:
                reported.add(name)
                typer.echo(f"{name} exited with {proc.returncode}; see {log_dir / (name + '.log')}")
        if len(reported) == len(children):
            break
        time.sleep(0.5)
    stop()


@app.command()
def crash(postgres_url: str = typer.Option(None, envvar="AICITY_TEST_POSTGRES_URL",
                                           help="also run on fresh databases of this PostgreSQL server")) -> None:
    """SIGKILL services mid-stream of idempotent writes, restart, retry; print and record (docs/SECURITY.md) the counts."""
    from tools.hardening import crash_command

    raise typer.Exit(0 if crash_command(postgres_url) else 1)


@app.command()
def load(only: str = typer.Option(None, help="run only the services whose name contains this")) -> None:
    """Run benchmarks/bench_capacity.py (wrk, loopback, bounded); print and record (docs/SECURITY.md) the figures."""
    from tools.hardening import load_command

    raise typer.Exit(0 if load_command(only) else 1)


def main() -> None:
    _add_service_commands()
    app()


if __name__ == "__main__":
    main()
