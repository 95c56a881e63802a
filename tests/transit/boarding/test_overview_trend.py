"""The overview's trend compares a day so far with yesterday up to the same time: at 08:00 in Pohang, this
morning's boardings stand beside yesterday morning's, not beside all of yesterday."""

import uuid
from datetime import UTC, datetime

from sqlmodel import Session

from services.transit.boarding import service
from services.transit.boarding.models import Boarding


def boarding_at(at: datetime, *, decision: str = "verified", fare_krw: int = 0) -> Boarding:
    return Boarding(event_id=uuid.uuid4(), device_id="dev", bus_id="bus-1", route_id="200", stop_id="S001",
                    occurred_at=at, received_at=at, decision=decision, concession="senior", fare_krw=fare_krw,
                    fingerprint=uuid.uuid4().hex)


def test_yesterday_is_counted_up_to_the_same_time_of_day(service_db):
    db = service_db("transit")
    # yesterday (1 Dec, KST): 6 boardings in the morning, 5 in the evening; today (2 Dec) 5 before 08:00 KST
    # (every count at least the small-cell limit of 5: the day figures are the suppressed ridership table)
    yesterday_morning = [datetime(2026, 11, 30, 22, m, tzinfo=UTC) for m in (0, 5, 10, 15, 20, 25)]  # 07:00-07:25
    yesterday_evening = [datetime(2026, 12, 1, 9, m, tzinfo=UTC) for m in range(5)]  # 18:00 KST
    today_morning = [datetime(2026, 12, 1, 22, m, tzinfo=UTC) for m in (5, 15, 25, 35, 45)]  # 07:05-07:45 KST
    with Session(db.engine) as session:
        session.add_all(boarding_at(t) for t in yesterday_morning + yesterday_evening + today_morning)
        session.commit()
        now = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # 08:00 KST on 2 December
        today = service.day_figures(session, day=datetime(2026, 12, 2).date(), until=now)
        same_time = service.day_figures(session, day=datetime(2026, 12, 1).date(),
                                        until=datetime(2026, 11, 30, 23, 0, tzinfo=UTC))
        whole_day = service.day_figures(session, day=datetime(2026, 12, 1).date())
    assert today["boardings"] == 5
    assert same_time["boardings"] == 6  # the trend's baseline: yesterday to 08:00
    assert whole_day["boardings"] == 11  # what the overview compared with before
    assert same_time["free_rides"] == 6 and same_time["verified"] == 6
    with Session(db.engine) as session:  # and a morning below the limit is hidden, not published
        early = service.day_figures(session, day=datetime(2026, 12, 2).date(),
                                    until=datetime(2026, 12, 1, 22, 20, tzinfo=UTC))
    assert early["boardings"] is None
