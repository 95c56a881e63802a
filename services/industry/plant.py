"""The demo plant around Pohang's steel complex: assets with realistic operating values, faults and drifts.
Used by seed.py (assets, history), simulator.py (HTTP) and the MQTT simulator; no database, no HTTP here."""

import math
from dataclasses import dataclass

STEELWORKS = "pohang-steelworks"
TOWN = "pohang-town"

SITES = [
    {"id": STEELWORKS, "name": "Pohang Steelworks", "name_ko": "포항제철소", "kind": "steelworks",
     "company_id": "steelworks", "lat": 36.0060, "lon": 129.3800},
    {"id": "sme-daesong", "name": "Daesong Precision (SME)", "name_ko": "대송정밀", "kind": "sme",
     "company_id": "daesong", "lat": 35.9920, "lon": 129.4130},
    {"id": "sme-cheongnim", "name": "Cheongnim Press Works (SME)", "name_ko": "청림프레스", "kind": "sme",
     "company_id": "cheongnim", "lat": 36.0010, "lon": 129.4020},
    {"id": TOWN, "name": "Pohang town air network", "name_ko": "포항 시내 대기측정망", "kind": "town",
     "company_id": None, "lat": 36.0190, "lon": 129.3435},
]
LINES = [
    {"id": "ironmaking", "site_id": STEELWORKS, "name": "Ironmaking"},
    {"id": "steelmaking", "site_id": STEELWORKS, "name": "Steelmaking and plant meters"},
    {"id": "hot-rolling", "site_id": STEELWORKS, "name": "Hot rolling"},
    {"id": "daesong-cnc", "site_id": "sme-daesong", "name": "CNC machining"},
    {"id": "cheongnim-press", "site_id": "sme-cheongnim", "name": "Press line"},
]
# Working volume: demo figure of the order of Pohang's large furnaces (about 3.0 t/day/m3 at ~12,000 t/day).
WORK_UNITS = [
    {"id": "bf2", "line_id": "ironmaking", "name": "Blast furnace No. 2", "kind": "blast_furnace",
     "working_volume_m3": 4000.0},
    {"id": "sms2", "line_id": "steelmaking", "name": "Steelmaking shop 2", "kind": "steelmaking"},
    {"id": "hsm1", "line_id": "hot-rolling", "name": "Hot strip mill 1", "kind": "hot_strip_mill"},
    {"id": "daesong-cell1", "line_id": "daesong-cnc", "name": "CNC cell 1", "kind": "sme_cell"},
    {"id": "cheongnim-press1", "line_id": "cheongnim-press", "name": "Servo press 1", "kind": "sme_press"},
]


@dataclass(frozen=True)
class SensorSpec:
    work_unit_id: str
    tag: str
    quantity: str
    unit: str
    aggregation: str
    mean: float  # per second for sums
    noise: float
    min_valid: float | None = None
    max_valid: float | None = None


HM_T_PER_S = 12_000 / 86_400  # ~12,000 t hot metal a day
SENSORS = [
    SensorSpec("bf2", "bf2.hot_blast_temp", "temperature", "degC", "mean", 1200, 6, 0, 1600),
    SensorSpec("bf2", "bf2.top_pressure", "pressure", "kPa", "mean", 250, 2, 0, 600),
    SensorSpec("bf2", "bf2.stave_temp", "temperature", "degC", "mean", 55, 0.8, -20, 400),
    SensorSpec("bf2", "bf2.hot_metal", "hot_metal_mass", "t", "sum", HM_T_PER_S, 0.004, 0, 2000),
    SensorSpec("bf2", "bf2.coke", "coke_mass", "kg", "sum", HM_T_PER_S * 330, 1.0, 0, 1e6),
    SensorSpec("bf2", "bf2.pci", "pci_mass", "kg", "sum", HM_T_PER_S * 168, 0.6, 0, 1e6),
    SensorSpec("sms2", "sms2.crude_steel", "crude_steel_mass", "t", "sum", HM_T_PER_S * 1.1, 0.004, 0, 2000),
    SensorSpec("sms2", "plant.energy", "energy", "GJ", "sum", HM_T_PER_S * 1.1 * 19.8, 0.05, 0, 50_000),
    SensorSpec("sms2", "plant.co2", "co2_mass", "t", "sum", HM_T_PER_S * 1.1 * 2.05, 0.005, 0, 5000),
    SensorSpec("hsm1", "hsm1.strip_temp", "temperature", "degC", "mean", 880, 5, 0, 1400),
    SensorSpec("hsm1", "hsm1.roll_force", "force", "MN", "mean", 22, 0.4, 0, 60),
    SensorSpec("hsm1", "hsm1.motor_vibration", "vibration", "mm/s", "mean", 2.5, 0.2, 0, 50),
    SensorSpec("daesong-cell1", "cell1.spindle_temp", "temperature", "degC", "mean", 42, 0.5, -20, 200),
    SensorSpec("daesong-cell1", "cell1.spindle_vibration", "vibration", "mm/s", "mean", 1.2, 0.1, 0, 50),
    SensorSpec("cheongnim-press1", "press1.force", "force", "kN", "mean", 1500, 20, 0, 5000),
    SensorSpec("cheongnim-press1", "press1.oil_temp", "temperature", "degC", "mean", 48, 0.4, -20, 200),
]
SITE_OF_UNIT = {u["id"]: ln["site_id"] for u in WORK_UNITS for ln in LINES if ln["id"] == u["line_id"]}

# Alarm rules of the demo (limits are demo values a plant engineer would set).
ALARM_RULES = [
    {"tag": "bf2.hot_blast_temp", "kind": "threshold", "severity": "critical", "comparison": "below",
     "limit": 1120, "deadband": 10, "on_delay_s": 0, "description": "hot blast too cold"},  # critical: at once
    {"tag": "bf2.top_pressure", "kind": "rate_of_change", "severity": "warning", "comparison": "above",
     "limit": 20, "description": "top pressure rising fast (kPa/min)"},
    {"tag": "hsm1.motor_vibration", "kind": "duration", "severity": "warning", "comparison": "above",
     "limit": 4.5, "duration_s": 60, "description": "main motor vibration high for a minute (ISO 10816 zone C)"},
    {"tag": "hsm1.motor_vibration", "kind": "ewma", "severity": "warning", "target": 2.5, "sigma": 0.2,
     "description": "main motor vibration drifting (predictive maintenance)"},
    {"tag": "bf2.stave_temp", "kind": "cusum", "severity": "warning", "target": 55, "sigma": 0.8,
     "description": "stave cooling drifting"},
    {"tag": "cell1.spindle_temp", "kind": "threshold", "severity": "warning", "comparison": "above", "limit": 60,
     "deadband": 3, "description": "spindle overheating"},
]

AIR_MONITORS = [
    {"id": "fence-north", "name": "Steelworks north fence", "name_ko": "제철소 북측 경계", "kind": "fence",
     "site_id": STEELWORKS, "lat": 36.0215, "lon": 129.3840},
    {"id": "fence-south", "name": "Steelworks south fence", "name_ko": "제철소 남측 경계", "kind": "fence",
     "site_id": STEELWORKS, "lat": 35.9930, "lon": 129.3870},
    {"id": "fence-east", "name": "Steelworks east fence", "name_ko": "제철소 동측 경계", "kind": "fence",
     "site_id": STEELWORKS, "lat": 36.0080, "lon": 129.4010},
    {"id": "town-jukdo", "name": "Jukdo-dong", "name_ko": "죽도동", "kind": "town", "site_id": TOWN,
     "lat": 36.0340, "lon": 129.3650},
    {"id": "town-daei", "name": "Daei-dong", "name_ko": "대이동", "kind": "town", "site_id": TOWN,
     "lat": 36.0120, "lon": 129.3480},
    {"id": "town-jangryang", "name": "Jangnyang-dong", "name_ko": "장량동", "kind": "town", "site_id": TOWN,
     "lat": 36.0700, "lon": 129.3800},
]
# A unit of each kind, with planned run time per unit (s) and a typical shape of losses.
PRODUCTION = {
    "bf2": {"pru_s": 7.2, "availability": 0.97, "speed": 0.99, "good": 0.995},   # t hot metal
    "hsm1": {"pru_s": 90.0, "availability": 0.88, "speed": 0.93, "good": 0.985},  # coils
    "daesong-cell1": {"pru_s": 75.0, "availability": 0.80, "speed": 0.88, "good": 0.97},
    "cheongnim-press1": {"pru_s": 6.0, "availability": 0.78, "speed": 0.90, "good": 0.96},
}


class PlantModel:
    """Values at a moment: noise, a daily swing, a hot-blast dip every ~20 min, a vibration drift that grows for
    ~30 min then is "repaired", and now and then a spindle overheating."""

    def __init__(self, rng):
        self.rng = rng

    def value(self, spec: SensorSpec, t_s: float, dt_s: float = 1.0) -> float:
        r = self.rng
        if spec.aggregation == "sum":
            return max(0.0, (spec.mean + r.gauss(0, spec.noise)) * dt_s)
        v = spec.mean + r.gauss(0, spec.noise) + 0.3 * spec.noise * math.sin(2 * math.pi * t_s / 86_400)
        if spec.tag == "bf2.hot_blast_temp" and t_s % 1200 < 90:
            v -= 110  # a stove change-over gone wrong: the blast cools for a minute and a half
        if spec.tag == "hsm1.motor_vibration":
            v += max(0.0, (t_s % 3600) - 600) * 0.0004  # bearing wear: +1.2 mm/s over 50 min, reset hourly
        if spec.tag == "cell1.spindle_temp" and t_s % 2700 < 120:
            v += 22
        return round(v, 4)

    def air(self, monitor: dict, hour_index: int) -> tuple[float, float]:
        """Hourly means; fence monitors dustier, an episode (yellow dust) every ~3 days."""
        r = self.rng
        base10 = 45 if monitor["kind"] == "fence" else 32
        episode = 1.0 + 3.5 * max(0.0, math.sin(2 * math.pi * hour_index / 72)) ** 8
        pm10 = max(2.0, base10 * episode + r.gauss(0, 6))
        pm25 = max(1.0, pm10 * (0.45 if monitor["kind"] == "fence" else 0.55) + r.gauss(0, 3))
        return round(pm10, 1), round(pm25, 1)

    def production(self, unit_id: str, period_s: float) -> dict:
        p, r = PRODUCTION[unit_id], self.rng
        a = min(1.0, max(0.0, p["availability"] + r.gauss(0, 0.03)))
        apt = period_s * a
        pq = round(apt / p["pru_s"] * min(1.08, max(0.5, p["speed"] + r.gauss(0, 0.03))))
        gq = round(pq * min(1.0, max(0.0, p["good"] + r.gauss(0, 0.005))))
        sq = round((pq - gq) * 0.6)
        fe = 1 if a < p["availability"] - 0.03 else 0
        return {"pbt_s": period_s, "apt_s": round(apt, 1), "pru_s": p["pru_s"], "pq": pq, "gq": gq, "sq": sq,
                "rq": pq - gq - sq, "fe": fe, "ttr_s": round(period_s - apt, 1) if fe else 0.0}
