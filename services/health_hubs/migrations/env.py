"""Alembic environment of the health_hubs service."""

from alembic import context

import services.health_hubs.models as models
from services.common.migrate import run_env

models.load_all_tables()
run_env(context, models.HealthHubsModel.metadata)
