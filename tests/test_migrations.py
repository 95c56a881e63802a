"""Every service's own Alembic history upgrades, matches its models (`alembic check`) and downgrades."""

import pytest
from sqlalchemy import inspect

from services.common import migrate
from services.common.db import make_engine
from services.suite import SERVICES


@pytest.mark.parametrize("package", ["identity", *SERVICES])
def test_upgrade_check_downgrade(package, databases):
    url = databases.new_url(f"mig_{package}")
    migrate.upgrade(package, url)
    migrate.check(package, url)  # raises when models and migrations differ
    engine = make_engine(url)
    assert "alembic_version" in inspect(engine).get_table_names()
    migrate.downgrade(package, url, "base")
    left = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert left == set()
    migrate.upgrade(package, url)  # and up again from base
