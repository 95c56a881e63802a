"""`aicity transit ...` commands."""

from pathlib import Path

import typer

app = typer.Typer(help="Boarding by face and pedestrian-speed-adaptive signals.", no_args_is_help=True)


@app.command()
def evaluate(
    folders: list[Path] = typer.Argument(..., help="folders of labelled photos: <identity>/<n>.jpg"),
    groups: Path | None = typer.Option(None, help="CSV identity,group: every table is printed per group"),
    target_fmr: list[float] = typer.Option([0.01, 0.001], help="print the threshold for each target FMR"),
    levers: bool = typer.Option(False, help="also measure each accuracy lever on the worst group"),
    door: bool = typer.Option(False, help="also read each photo as a 1280x720 door frame: the whole scan against "
                                          "BlazeFace locating the face first, per group"),
    compare_onnx: Path | None = typer.Option(None, help="an ArcFace-style ONNX model to compare on the same photos"),
    onnx_model_id: str = typer.Option("onnx-candidate", help="the id of --compare-onnx"),
) -> None:
    """Per group FMR/FNMR and FNIR/FPIR with the service's own pipeline and thresholds (TRANSIT_* settings)."""
    from services.transit.boarding import evaluate as ev
    from services.transit.boarding import faces
    from services.transit.settings import TransitSettings

    for folder in folders:
        if not folder.is_dir():
            raise typer.BadParameter(f"{folder} is not a folder")
    if groups is not None and not groups.is_file():
        raise typer.BadParameter(f"{groups} is not a file")
    settings = TransitSettings()
    labels = ev.load_groups(groups)
    photos = ev.photos_of(folders)
    embedder = faces.embedder_for(settings)
    samples, refused = ev.encode(photos, labels, settings=settings, embedder=embedder,
                                 gate=faces.gate_for(settings))
    if len({s.identity for s in samples}) < 2:
        raise typer.BadParameter("need photos of at least two identities")
    typer.echo(ev.report(samples, refused, settings=settings, target_fmrs=target_fmr,
                         title=f"model {embedder.model_id}"))
    if compare_onnx is not None:
        other = faces.OnnxArcFaceEmbedder(str(compare_onnx), model_id=onnx_model_id)
        s2, r2 = ev.encode(photos, labels, settings=settings, embedder=other, gate=faces.gate_for(settings))
        typer.echo("")
        typer.echo(ev.report(s2, r2, settings=settings, target_fmrs=target_fmr,
                             thresholds=[0.8, 0.9, 1.0, 1.1, 1.2, 1.3], title=f"model {other.model_id}"))
    if door:
        typer.echo("")
        typer.echo(ev.door_report(photos, labels, samples, settings=settings, embedder=embedder))
    if levers:
        typer.echo("")
        typer.echo(ev.levers(photos, labels, settings=settings, target_fmr=min(target_fmr)))
