"""Demo data for the industry service, loaded by `aicity up` on first run: the plant around Pohang's steel
complex, a year of production (8-h shift records) and steel history, a year of hourly air readings, the SME
programme. Steel history: the last two weeks as hourly readings of the amount sensors (rolled up by the service's
own rollup job into minutes, hours and days); the year before them as day rollups only, written directly: a year
of raw readings would be ~60,000 rows and their rollups, for figures nobody reads at finer than a day."""

import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.common.auth import Principal
from services.common.db import bulk_insert
from services.industry import plant
from services.industry.air import service as air
from services.industry.air.models import AirMonitor, AirReading
from services.industry.air.schemas import AirReadingIn
from services.industry.alarms import service as alarms
from services.industry.alarms.schemas import AlarmRuleCreate
from services.industry.assets.models import Line, Sensor, Site, WorkUnit
from services.industry.kpi.models import ProductionRecord
from services.industry.programme.models import Company, ProgrammeTarget, SmartFactoryProject, SurveyResult
from services.industry.safety import demo as safety_demo
from services.industry.telemetry import service as telemetry
from services.industry.telemetry.models import ReadingRollup
from services.industry.telemetry.rollup import rollup_telemetry
from services.industry.timeutil import day_bounds, local_day

# (name, device kind, place) of the demo devices this service needs; `aicity seed` creates their keys.
DEMO_DEVICES: list[tuple[str, str, str | None]] = [
    (f"gateway-{s['id']}", "gateway", s["id"]) for s in plant.SITES
]
HISTORY_DAYS = 365  # production records, day rollups of the amount sensors, hourly air means
AIR_ALERT_HOURS = 72  # air readings the seed passes through the air service's alert state machines
RAW_DAYS = 14  # hourly readings (and the service's own minute, hour and day rollups of them)
SEEDER = Principal(kind="user", id="seed", role="admin", username="seed")

COMPANIES = [
    ("daesong", "Daesong Precision", "대송정밀", "machining", 48, "sme-daesong"),
    ("cheongnim", "Cheongnim Press Works", "청림프레스", "metal pressing", 35, "sme-cheongnim"),
    ("hyeongsan", "Hyeongsan Coating", "형산코팅", "surface treatment", 22, None),
    ("ocheon", "Ocheon Valve", "오천밸브", "valves", 61, None),
    ("guryongpo", "Guryongpo Seafood Processing", "구룡포수산가공", "food", 40, None),
    ("yeonil", "Yeonil Refractory", "연일내화", "refractories", 75, None),
]
TARGETS = [
    {"key": "smes_built", "label": "SMEs with a smart factory built with the steel maker's support",
     "target": 1000, "unit": "SMEs", "target_year": 2023, "published_actual": 110, "published_year": 2023,
     "source": "POSCO SME smart-factory programme announcements (DOMAIN.md; verify year of the count)"},
    {"key": "steelmaker_funding_krw", "label": "Steel maker's funding for SME smart factories", "target": 20e9,
     "unit": "KRW", "target_year": 2023, "published_actual": None, "published_year": None,
     "source": "POSCO: 20 bn KRW by 2023 (DOMAIN.md)"},
]
SURVEYS = [
    ("POSCO programme survey of supported SMEs", 2019, {"productivity": 43, "quality": 52, "cost": -27,
                                                         "delivery_time": -27}, "year of the survey to verify"),
    ("KBIZ (Korea Federation of SMEs) survey", 2023, {"productivity": 17.5, "quality": 29.7, "cost": -20.3},
     "delivery time not reported in this vintage"),
    ("National smart-factory study 2014-2017", 2017, {"productivity": 30, "quality": 43.5, "cost": -15.9},
     "quality as defect reduction; delivery time not reported"),
]


def seed(engine: Engine, *, settings, credentials: dict, now: datetime | None = None) -> dict:
    """Loads demo data once; returns a summary. `credentials` holds the demo device keys by name."""
    now = now or datetime.now(UTC)
    rng = random.Random(20240901)
    model = plant.PlantModel(rng)
    with Session(engine, expire_on_commit=False) as session:
        if session.get(Site, plant.STEELWORKS) is not None:
            return {"seeded": False}
        for s in plant.SITES:
            session.add(Site(**s))
        session.flush()
        for line in plant.LINES:
            session.add(Line(**line))
        session.flush()
        for u in plant.WORK_UNITS:
            session.add(WorkUnit(**u, site_id=plant.SITE_OF_UNIT[u["id"]]))
        session.flush()
        sensors = {}
        for spec in plant.SENSORS:
            sensor = Sensor(site_id=plant.SITE_OF_UNIT[spec.work_unit_id], work_unit_id=spec.work_unit_id,
                            tag=spec.tag, quantity=spec.quantity, unit=spec.unit, aggregation=spec.aggregation,
                            min_valid=spec.min_valid, max_valid=spec.max_valid)
            session.add(sensor)
            session.flush()
            sensors[spec.tag] = sensor
        for rule in plant.ALARM_RULES:
            fields = {k: v for k, v in rule.items() if k != "tag"}
            alarms.create_rule(session, data=AlarmRuleCreate(sensor_id=sensors[rule["tag"]].id, **fields),
                               principal=SEEDER)
        for m in plant.AIR_MONITORS:
            session.add(AirMonitor(**m))
        session.flush()
        # a year of shift records (8 h) per producing unit
        shift0 = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=HISTORY_DAYS)
        shift0 -= timedelta(hours=shift0.hour % 8)
        records = 0
        t = shift0
        while t + timedelta(hours=8) <= now:
            for unit_id in plant.PRODUCTION:
                values = model.production(unit_id, 8 * 3600.0)
                session.add(ProductionRecord(id=uuid.uuid4(), work_unit_id=unit_id, period_start=t,
                                             period_end=t + timedelta(hours=8), aoet_s=8 * 3600.0, recorded_at=now,
                                             recorded_by="seed", **values))
                records += 1
            t += timedelta(hours=8)
        # steel history: one reading per hour for the amount sensors over the last two weeks; day rollups before
        rows = []
        days: dict = {}
        end_hour = now.replace(minute=0, second=0, microsecond=0)
        raw_from = end_hour - timedelta(days=RAW_DAYS)
        hour0 = end_hour - timedelta(days=HISTORY_DAYS)
        for h in range(HISTORY_DAYS * 24):
            ts = hour0 + timedelta(hours=h)
            for spec in plant.SENSORS:
                if spec.aggregation != "sum":
                    continue
                value = model.value(spec, h * 3600.0, dt_s=3600.0)
                if ts >= raw_from:
                    rows.append({"sensor_id": sensors[spec.tag].id, "ts": ts, "value": value})
                else:
                    days.setdefault((sensors[spec.tag].id, local_day(ts, settings.timezone)), []).append(value)
        telemetry.store_readings(session, rows=rows, source="seed", now=now)
        for (sensor_id, day), values in days.items():
            if local_day(raw_from, settings.timezone) <= day:
                continue  # a day the hourly readings reach: the rollup job makes it from them
            session.add(ReadingRollup(sensor_id=sensor_id, period="day", bucket_start=day_bounds(day, settings.timezone)[0],
                                      n=len(values), total=sum(values), min_value=min(values),
                                      max_value=max(values)))
        # a year of hourly air means, oldest first: the last three days through the air service (which steps the
        # watch/warning state machines over them), the rest written directly
        end_hour = now.replace(minute=0, second=0, microsecond=0)
        air_rows, air_older = [], []
        for h in range(HISTORY_DAYS * 24, 0, -1):
            ts = end_hour - timedelta(hours=h - 1)
            for m in plant.AIR_MONITORS:
                pm10, pm25 = model.air(m, int(ts.timestamp() // 3600))
                if h > AIR_ALERT_HOURS:
                    air_older.append({"monitor_id": m["id"], "ts": ts, "pm10": pm10, "pm25": pm25})
                else:
                    air_rows.append(AirReadingIn(monitor_id=m["id"], ts=ts, pm10=pm10, pm25=pm25))
        bulk_insert(session, AirReading.__table__, air_older)
        air.ingest(session, readings=air_rows, principal=SEEDER, now=now)
        # the SME programme
        for cid, name, name_ko, sector, employees, site_id in COMPANIES:
            session.add(Company(id=cid, name=name, name_ko=name_ko, sector=sector, employees=employees,
                                site_id=site_id))
        session.flush()
        levels = ["basic", "intermediate_1", "basic", "intermediate_2", "intermediate_1", "basic"]
        for i, (cid, *_rest) in enumerate(COMPANIES):
            built = i < 4
            total = rng.choice([100, 150, 200, 300]) * 1_000_000
            session.add(SmartFactoryProject(
                id=f"sf-{cid}", company_id=cid, title=f"Smart factory for {cid}",
                status="built" if built else ("building" if i == 4 else "planned"),
                start_date=(now - timedelta(days=400 - 40 * i)).date(),
                completed_date=(now - timedelta(days=120 - 20 * i)).date() if built else None,
                level_before="none", level_after=levels[i] if built else None,
                funding_company_krw=int(total * 0.5), funding_steelmaker_krw=int(total * 0.2),
                funding_ministry_krw=int(total * 0.3),
                productivity_before=100.0, productivity_after=round(100 * (1.2 + 0.25 * rng.random()), 1) if built else None,
                defect_rate_before=3.0, defect_rate_after=round(3.0 * (0.5 + 0.3 * rng.random()), 2) if built else None,
                unit_cost_before=10_000.0, unit_cost_after=round(10_000 * (0.75 + 0.15 * rng.random())) if built else None,
                delivery_days_before=10.0, delivery_days_after=round(10 * (0.7 + 0.2 * rng.random()), 1) if built else None,
            ))
        for t_ in TARGETS:
            session.add(ProgrammeTarget(**t_))
        for source, year, figures, note in SURVEYS:
            for metric, value in figures.items():
                session.add(SurveyResult(source=source, year=year, metric=metric, change_pct=value, note=note))
        session.flush()
        safety = safety_demo.seed(session, principal=SEEDER, now=now)
        session.commit()
    rolled = rollup_telemetry(engine, tz=settings.timezone)
    return {"seeded": True, "safety": safety, "sensors": len(sensors), "production_records": records, "air_readings": len(air_older) + len(air_rows),
            "rollup": rolled}
