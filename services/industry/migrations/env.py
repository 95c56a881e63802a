"""Alembic environment of the industry service."""

from alembic import context

import services.industry.models as models
from services.common.migrate import run_env

run_env(context, models.IndustryModel.metadata)
