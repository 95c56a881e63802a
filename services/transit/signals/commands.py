"""`aicity signals ...` commands: the SUMO evaluation of crossing policies."""

import typer

app = typer.Typer(help="Pedestrian-speed-adaptive crossings.", no_args_is_help=True)
