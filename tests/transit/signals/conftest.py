"""Fixtures of the signals tests: a crossing in the migrated transit database."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from services.transit.signals.models import Crossing


@pytest.fixture
def make_crossing(service_db):
    db = service_db("transit")

    def make(crossing_id="X01", *, length_m=14.0, zone="general", lanes=4, state=None):
        with Session(db.engine) as session:
            session.add(Crossing(id=crossing_id, name=f"crossing {crossing_id}", intersection_id="I01", lat=36.04,
                                 lon=129.36, length_m=length_m, lanes=lanes, zone=zone, controller_state=state,
                                 created_at=datetime.now(UTC) - timedelta(days=1)))
            session.commit()
        return crossing_id

    make.engine = db.engine
    return make
