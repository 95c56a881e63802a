"""`aicity transit ...` commands."""

from pathlib import Path

import typer

app = typer.Typer(help="Boarding by face and pedestrian-speed-adaptive signals.", no_args_is_help=True)


@app.command()
def evaluate(
    folders: list[Path] = typer.Argument(..., help="folders of labelled photos: <identity>/<n>.jpg"),
    target_fmr: list[float] = typer.Option([0.01, 0.001], help="print the threshold for each target FMR"),
    margin: float = typer.Option(0.10, help="top-1/top-2 margin required for identification"),
) -> None:
    """Print FNMR/FMR (verification) and FNIR/FPIR (identification) against the threshold."""
    from services.transit.boarding.evaluate import encode_folders, report

    for folder in folders:
        if not folder.is_dir():
            raise typer.BadParameter(f"{folder} is not a folder")
    encodings, labels, skipped = encode_folders(folders)
    if len(set(labels)) < 2:
        raise typer.BadParameter("need photos of at least two identities")
    typer.echo(report(encodings, labels, target_fmrs=target_fmr, margin=margin))
    if skipped:
        typer.echo(f"\nno face found in {len(skipped)} photos (left out): " + ", ".join(skipped[:10])
                   + (" ..." if len(skipped) > 10 else ""))
