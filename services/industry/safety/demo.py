"""The demo shift of safe work: gas detectors at the steelworks, a confined-space entry under a permit, a CO
excursion that clears, a detector that goes quiet, furnace-side heat, and accident and near-miss history.
Used by the industry seed (history up to now) and the simulator (the shift going on); no HTTP here."""

import math
import random
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from services.common.auth import Principal
from services.industry.assets.models import Sensor
from services.industry.programme.models import SmartFactoryProject
from services.industry.safety import permits, records, service
from services.industry.safety.models import SafetyEvent
from services.industry.safety.schemas import DetectorCreate, PermitCreate, SafetySiteIn, WorkforceIn
from services.industry.telemetry import service as telemetry

STEELWORKS = "pohang-steelworks"
CONFINED = "bf2-dc-gd1"  # portable detector carried into the dust catcher
QUIET = "sms2-gd2"  # fixed detector whose battery runs down: it reports for 10 minutes of each hour, then stops
DETECTORS = [
    {"id": CONFINED, "work_unit_id": "bf2", "space": "2고로 집진기 (밀폐공간)", "kind": "portable"},
    {"id": QUIET, "work_unit_id": "sms2", "space": "제강 2공장 전로 하부", "kind": "fixed"},
]
MANAGERS = {STEELWORKS: ("김안전", "safety.manager@pohang-steelworks.example"),
            "sme-daesong": ("이대송", "safety@daesong.example"), "sme-cheongnim": ("박청림", "safety@cheongnim.example")}
WEATHER = [("bf2.casthouse_temp", "air_temperature", "degC"), ("bf2.casthouse_rh", "relative_humidity", "%")]
# workers and yearly hours of the demo companies (steelworks: the order of Pohang Works' direct employees)
WORKFORCE = {"steelworks": (17_000, 2_080), "daesong": (48, 2_200), "cheongnim": (35, 2_250), "hyeongsan": (22, 2_300),
             "ocheon": (61, 2_150), "yeonil": (75, 2_150), "guryongpo": (40, 2_100)}
# expected lost-time cases per 1,000,000 h before the smart-factory project and after it (demo figures)
LTIFR_BEFORE, LTIFR_AFTER = 9.0, 5.0
EXCURSION = (1200, 1560)  # s into the demo hour: CO rises, peaks at ~42 ppm, and clears


def gas_at(detector_id: str, t_s: float, rng: random.Random) -> dict[str, float] | None:
    """A detector's readings t_s seconds into the shift, or None when it says nothing."""
    phase = t_s % 3600
    if detector_id == QUIET and phase >= 600:
        return None
    co = 4 + rng.gauss(0, 0.6)
    if detector_id == CONFINED and EXCURSION[0] <= phase < EXCURSION[1]:
        co += 38 * math.sin(math.pi * (phase - EXCURSION[0]) / (EXCURSION[1] - EXCURSION[0]))
    return {"o2": round(20.9 + rng.gauss(0, 0.05), 2), "co": round(max(0.0, co), 1),
            "h2s": round(max(0.0, rng.gauss(0.2, 0.1)), 2), "co2": round(0.05 + abs(rng.gauss(0, 0.01)), 3),
            "lel": round(max(0.0, rng.gauss(0.5, 0.3)), 1), "status": 0}


def weather_at(t_s: float, rng: random.Random) -> dict[str, float]:
    """Casthouse floor beside the furnace: hot whatever the season."""
    return {"bf2.casthouse_temp": round(35.5 + 1.5 * math.sin(2 * math.pi * t_s / 3600) + rng.gauss(0, 0.2), 1),
            "bf2.casthouse_rh": round(55 + rng.gauss(0, 1.5), 1)}


def live_readings(now: datetime, t_s: float, rng: random.Random) -> list[dict]:
    """The simulator's batch of safety readings for the steelworks' gateway."""
    out = []
    for det in DETECTORS:
        values = gas_at(det["id"], t_s, rng)
        for gas, v in (values or {}).items():
            out.append({"sensor": f"{det['id']}.{gas}", "ts": now.isoformat(), "value": v})
    out += [{"sensor": tag, "ts": now.isoformat(), "value": v} for tag, v in weather_at(t_s, rng).items()]
    return out


def _store(session: Session, tags: dict[str, int], readings: dict[str, float], ts: datetime, now: datetime) -> None:
    rows = [{"sensor_id": tags[tag], "ts": ts, "value": float(v)} for tag, v in readings.items()]
    telemetry.store_readings(session, rows=rows, source="seed", now=now)


def seed(session: Session, *, principal: Principal, now: datetime) -> dict:
    """The safety part of the industry demo, written in the seed's transaction."""
    rng = random.Random(618)
    for site_id, (name, email) in MANAGERS.items():
        service.upsert_site(session, site_id=site_id, principal=principal, data=SafetySiteIn(
            manager_name=name, manager_email=email,
            gas_limits={"co": {"high": 25}} if site_id == STEELWORKS else {},
            gas_limits_source="포항제철소 밀폐공간 작업 프로그램 (demo: CO 25 ppm)" if site_id == STEELWORKS else ""))
    for det in DETECTORS:
        service.register_detector(session, principal=principal, now=now - timedelta(hours=2), data=DetectorCreate(
            **det, last_bump_at=now - timedelta(hours=3)))
    for tag, quantity, unit in WEATHER:
        session.add(Sensor(site_id=STEELWORKS, work_unit_id="bf2", tag=tag, quantity=quantity, unit=unit,
                           min_valid=-40, max_valid=100))
    session.flush()
    tags = {s.tag: s.id for s in session.query(Sensor).filter(Sensor.site_id == STEELWORKS)}

    # the shift so far: the last 40 minutes, the CO excursion 20 minutes ago, the quiet detector stopped
    shift_start = now - timedelta(minutes=40)
    t0 = 0  # so the excursion (1200 s into the hour) starts 20 minutes ago and the quiet detector stops 30 min ago
    permit = None
    for step in range(0, 40 * 60 + 1, 30):
        ts = shift_start + timedelta(seconds=step)
        if permit is None and step >= 4 * 60:
            # pre-entry measurement at 4 min, permit opened, three people in (the attendant stays outside)
            permit = permits.request_permit(session, principal=principal, now=ts, data=PermitCreate(
                site_id=STEELWORKS, kind="confined_space", space=DETECTORS[0]["space"], detector_id=CONFINED,
                work="집진기 내부 분진 청소", attendant="최감시",
                pre_entry={"o2": 20.9, "co": 3.0, "h2s": 0.0, "co2": 0.05, "lel": 0.0}, pre_entry_at=ts))
            permits.open_permit(session, permit_id=permit.id, principal=principal, now=ts)
            for person in ("박정비", "이정비", "김정비"):
                permits.move(session, permit_id=permit.id, person=person, direction="in", principal=principal, now=ts)
        if permit is not None and step == 30 * 60:
            permits.move(session, permit_id=permit.id, person="김정비", direction="out", principal=principal, now=ts)
        readings = {}
        for det in DETECTORS:
            for gas, v in (gas_at(det["id"], t0 + step, rng) or {}).items():
                readings[f"{det['id']}.{gas}"] = v
        readings.update(weather_at(t0 + step, rng))
        _store(session, tags, readings, ts, now)
    faults = service.check_detectors(session, now=now)

    # accidents, near misses and hours worked: two years and this one so far
    events = 0
    done = {p.company_id: p.completed_date for p in session.query(SmartFactoryProject) if p.completed_date}
    for company, (workers, hours_per_worker) in WORKFORCE.items():
        site_id = {"steelworks": STEELWORKS, "daesong": "sme-daesong", "cheongnim": "sme-cheongnim"}.get(company)
        for year in (now.year - 2, now.year - 1, now.year):
            share = 1.0 if year < now.year else (now - datetime(year, 1, 1, tzinfo=UTC)).days / 365
            hours = round(workers * hours_per_worker * share)
            records.upsert_workforce(session, data=WorkforceIn(company_id=company, year=year, workers=workers,
                                                               hours_worked=hours))
            sme = company != "steelworks"
            for _ in range(_poisson(rng, (LTIFR_BEFORE if sme else 1.1) * hours / 1e6)):
                at = _when(rng, year, now)
                if sme and done.get(company) and at.date() >= done[company] and rng.random() > LTIFR_AFTER / LTIFR_BEFORE:
                    continue  # fewer accidents once the smart factory is running
                events += _event(session, company, site_id, rng.choice(["lost_time", "lost_time", "injury"]), at, rng)
            for _ in range(_poisson(rng, max(1.0, workers / 400))):
                events += _event(session, company, site_id, "near_miss", _when(rng, year, now), rng)
        if company == "steelworks":
            events += _event(session, company, site_id, "fatal", _when(rng, now.year - 2, now), rng)
    return {"detectors": len(DETECTORS), "permit_id": permit.id, "faults": faults, "safety_events": events}


def _poisson(rng: random.Random, lam: float) -> int:
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _when(rng: random.Random, year: int, now: datetime) -> datetime:
    start = datetime(year, 1, 1, tzinfo=UTC)
    span = (min(now, datetime(year + 1, 1, 1, tzinfo=UTC)) - start).total_seconds()
    return start + timedelta(seconds=rng.random() * span)


def _event(session, company, site_id, kind, at, rng) -> int:
    session.add(SafetyEvent(company_id=company, site_id=site_id, kind=kind, occurred_at=at,
                            category=rng.choice(["caught", "fall", "struck", "burn", "gas", "vehicle"]),
                            lost_days=rng.randint(4, 60) if kind in ("lost_time", "fatal") else 0,
                            reported_at=at, reported_via="phone" if kind == "near_miss" else "api"))
    return 1
