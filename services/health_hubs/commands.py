"""`aicity health-hubs ...` commands."""

import typer

app = typer.Typer(help="Smart community centres: kiosk readings, alerts, referrals, indicators.", no_args_is_help=True)
