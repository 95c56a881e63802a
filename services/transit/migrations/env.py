"""Alembic environment of the transit service."""

from alembic import context

import services.transit.models as models
from services.common.migrate import run_env

models.load_all_tables()
run_env(context, models.TransitModel.metadata)
