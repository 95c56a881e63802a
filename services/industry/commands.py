"""`aicity industry ...` commands."""

import typer

app = typer.Typer(help="Smart-factory indicators, alarms, the SME programme and air quality.", no_args_is_help=True)
