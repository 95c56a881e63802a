"""Tables of the KPI engine: ISO 22400-2 time and quantity elements per work unit and order."""

import uuid
from datetime import datetime

from sqlmodel import Field

from services.common.db import UTCDateTime
from services.industry.models import IndustryModel


class ProductionRecord(IndustryModel, table=True):
    """The elements of one work unit over one period (a shift, an hour, an order). Times in seconds,
    quantities in the work unit's units (pieces, tonnes). Names follow ISO 22400-2: PBT planned busy time,
    APT actual production time, AOET actual order execution time, PRU planned run time per unit,
    PQ produced, GQ good, SQ scrap, RQ rework quantity, FE failure events, TTR time to restoration."""

    __tablename__ = "production_record"

    id: uuid.UUID = Field(primary_key=True)  # made by the sender: a retry stores nothing new
    work_unit_id: str = Field(foreign_key="work_unit.id", index=True, max_length=40)
    order_id: str | None = Field(default=None, index=True, max_length=60)
    period_start: datetime = Field(sa_type=UTCDateTime, index=True)
    period_end: datetime = Field(sa_type=UTCDateTime)
    pbt_s: float
    apt_s: float
    aoet_s: float
    pru_s: float
    pq: float
    gq: float
    sq: float = 0.0
    rq: float = 0.0
    fe: int = 0
    ttr_s: float = 0.0
    tbf_s: float | None = None  # times between failures, summed, when recorded apart (else APT stands in)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by: str = Field(default="", max_length=80)
