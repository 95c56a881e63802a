"""`aicity transit ...` commands."""

import typer

app = typer.Typer(help="Boarding by face and pedestrian-speed-adaptive signals.", no_args_is_help=True)
