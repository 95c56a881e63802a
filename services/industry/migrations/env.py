"""Alembic environment of the industry service."""

from alembic import context

import services.industry.models as models
from services.common.migrate import run_env

models.load_all_tables()
run_env(context, models.IndustryModel.metadata)
