"""`aicity talent-academy ...` commands."""

import typer

app = typer.Typer(help="The AI Future Talent Academy: enrolment, waitlists, completion, jobs.", no_args_is_help=True)
