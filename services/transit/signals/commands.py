"""`aicity signals ...` commands: the SUMO evaluation of crossing policies."""

from pathlib import Path

import typer

from services.common.settings import REPO_ROOT, VAR_DIR

app = typer.Typer(help="Pedestrian-speed-adaptive crossings.", no_args_is_help=True)


@app.command()
def simulate(
    seeds: int = typer.Option(5, help="how many seeds (1..n)"),
    duration_s: float = typer.Option(3600.0, help="simulated seconds per run"),
    senior_share: float = typer.Option(0.3, min=0.0, max=1.0),
    walkers_per_hour: float = typer.Option(240.0),
    vehicles_per_hour: float = typer.Option(900.0, help="per direction"),
    workdir: Path = typer.Option(VAR_DIR / "sumo-signals"),
    plot: Path = typer.Option(REPO_ROOT / "docs" / "img" / "signals_policies.png"),
    json_out: Path = typer.Option(None, help="also write every run's figures here"),
) -> None:
    """Builds the crossing scenario with netconvert and runs fixed 1.0/0.8/0.7 m/s and adaptive in libsumo."""
    from services.transit.signals.sumo.evaluate import evaluate
    from services.transit.signals.sumo.scenario import ScenarioConfig

    config = ScenarioConfig(duration_s=duration_s, senior_share=senior_share, walkers_per_hour=walkers_per_hour,
                            vehicles_per_hour_per_direction=vehicles_per_hour)

    def progress(r):
        typer.echo(f"seed {r.seed} {r.policy:<14} stranded {r.stranded:3d}  time loss {r.vehicle_time_loss_s:5.2f} s"
                   f"  mean clearance {r.mean_clearance_s:5.1f} s  ({r.wall_s:.1f} s wall)")

    ev = evaluate(workdir, seeds=list(range(1, seeds + 1)), config=config, progress=progress)
    typer.echo("")
    typer.echo(ev.markdown())
    typer.echo(f"\nplot: {ev.plot(plot)}")
    if json_out:
        json_out.write_text(ev.to_json())
