"""`aicity signals ...` commands: the SUMO evaluation of crossing policies over scenario files."""

from pathlib import Path

import typer

from services.common.settings import REPO_ROOT, VAR_DIR

app = typer.Typer(help="Pedestrian-speed-adaptive crossings.", no_args_is_help=True)


@app.command()
def simulate(
    scenarios: list[str] = typer.Argument(
        None, help="scenario files (TOML) or bundled names; default: every bundled scenario"),
    seeds: str = typer.Option("1-5", help="seeds, e.g. 1-5 or 101,102"),
    duration_s: float = typer.Option(None, help="simulated seconds per run (default: the scenario's, 3600)"),
    walkers_per_hour: float = typer.Option(None, help="override every scenario's walker demand"),
    vehicles_per_hour: float = typer.Option(None, help="override the vehicle demand, per direction"),
    dawdling: float = typer.Option(None, min=0.0, max=1.0, help="override SUMO's striping dawdling"),
    faults_only: bool = typer.Option(False, help="run only the faulty-detection half (calibration)"),
    workdir: Path = typer.Option(VAR_DIR / "sumo-signals"),
    plot: Path = typer.Option(REPO_ROOT / "docs" / "img" / "signals_policies.png"),
    json_out: Path = typer.Option(None, help="also write every run's figures here"),
) -> None:
    """Runs fixed 1.0/0.8/0.7 m/s, SUMO's actuated program, presence-only, ours and ours speed-blind, each
    under perfect and faulty detection, on each scenario; prints the table and the issue-18 targets."""
    from services.transit.signals.sumo.evaluate import configs_for, evaluate
    from services.transit.signals.sumo.scenario import ScenarioError, bundled_names

    try:
        configs = configs_for(scenarios or bundled_names(), duration_s=duration_s, walkers_per_hour=walkers_per_hour,
                              vehicles_per_hour_per_direction=vehicles_per_hour, dawdling=dawdling)
        seed_list = _seeds(seeds)
    except (ScenarioError, ValueError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from e

    def progress(r):
        typer.echo(f"{r.scenario:<22} seed {r.seed:<4} {r.policy:<17} {r.detection:<7} stranded {r.stranded:3d}  "
                   f"time loss {r.vehicle_time_loss_s:5.2f} s  mean clearance {r.mean_clearance_s:5.1f} s  "
                   f"all-red holds {r.all_red_holds}  ({r.wall_s:.1f} s wall)")

    ev = evaluate(workdir, seeds=seed_list, configs=configs, faults_only=faults_only, progress=progress)
    typer.echo("")
    typer.echo(ev.markdown())
    if not faults_only:
        typer.echo(f"\nplot: {ev.plot(plot)}")
    if json_out:
        json_out.write_text(ev.to_json())


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            out += list(range(int(a), int(b) + 1))
        elif part.strip():
            out.append(int(part))
    if not out:
        raise ValueError("no seeds")
    return out
