"""Safety rules as data, each with its source: suitable air (Art. 618), heat-wave stages, accident indicators."""

from dataclasses import dataclass


@dataclass(frozen=True)
class GasLimit:
    gas: str
    unit: str
    low: float | None  # the reading must be >= low (oxygen only)
    high: float | None  # the reading must be < high
    label_ko: str
    source: str
    plausible: tuple[float, float]  # a detector reading outside this is refused as a bad payload


ART_618 = ("산업안전보건기준에 관한 규칙 제618조 제1호 '적정공기' (Occupational Safety and Health Standards Rule, "
           "Art. 618: suitable air in a confined space)")
# Art. 618 names O2, CO2, CO and H2S. Flammable gas is not in its "suitable air" definition; the common
# practice (KOSHA Guide H-80-2012 and the confined-space programme guides) is to stop entry at 10 % LEL.
KOSHA_LEL = "KOSHA 밀폐공간 작업 프로그램 지침: 가연성 가스 폭발하한(LEL) 10 % 미만 (common practice, verify)"
LEGAL_GAS_LIMITS: dict[str, GasLimit] = {
    "o2": GasLimit("o2", "%", 18.0, 23.5, "산소", ART_618, (0.0, 30.0)),
    "co2": GasLimit("co2", "%", None, 1.5, "이산화탄소", ART_618, (0.0, 10.0)),
    "co": GasLimit("co", "ppm", None, 30.0, "일산화탄소", ART_618, (0.0, 2000.0)),
    "h2s": GasLimit("h2s", "ppm", None, 10.0, "황화수소", ART_618, (0.0, 500.0)),
    "lel": GasLimit("lel", "%LEL", None, 10.0, "가연성 가스", KOSHA_LEL, (0.0, 100.0)),
}
GASES = tuple(LEGAL_GAS_LIMITS)
# A detector's status channel carries error bits (0 = healthy); bit meanings of common portable detectors.
ERROR_BITS = {1: "sensor_fault", 2: "low_battery", 4: "pump_fault", 8: "calibration_due", 16: "over_range"}
STATUS_CHANNEL = "status"
# Bump test before each day's use is the makers' and KOSHA's advice; the interval is a site setting.
DEFAULT_BUMP_INTERVAL_H = 24.0
DEFAULT_STALE_AFTER_S = 120.0


@dataclass(frozen=True)
class HeatStage:
    key: str
    label_ko: str
    min_apparent_c: float  # this stage from this apparent temperature (inclusive)
    rest_min_per_hour: int
    outdoor_2_to_5pm: str  # what the guidance says for 14:00-17:00
    advice_ko: str


HEAT_SOURCE = ("고용노동부 '폭염 대비 근로자 건강보호 대책' (2024-05-22; 체감온도 기준 4단계): 31 ℃ 관심, 33 ℃ 주의 "
               "(매시간 10분 휴식, 14-17시 옥외작업 단축), 35 ℃ 경고 (매시간 15분 휴식, 14-17시 불가피한 경우 외 "
               "옥외작업 중지), 38 ℃ 위험 (매시간 15분 휴식, 14-17시 긴급조치 외 옥외작업 중지)")
APPARENT_TEMPERATURE_SOURCE = ("기상청 여름철 체감온도 (Stull 2011 습구온도 식): "
                               "AT = -0.2442 + 0.55399 Tw + 0.45535 Ta - 0.0022 Tw^2 + 0.00278 Tw Ta + 3.0")
HEAT_STAGES: tuple[HeatStage, ...] = (
    HeatStage("attention", "관심", 31.0, 0, "normal", "물·그늘·휴식을 준비하고 민감한 분을 미리 확인해요."),
    HeatStage("caution", "주의", 33.0, 10, "shorten", "매시간 10분씩 그늘에서 쉬어요. 오후 2-5시 옥외작업은 줄여요."),
    HeatStage("warning", "경고", 35.0, 15, "stop_unless_unavoidable",
              "매시간 15분씩 쉬어요. 오후 2-5시에는 불가피한 경우 외 옥외작업을 멈춰요."),
    HeatStage("danger", "위험", 38.0, 15, "stop_except_emergency",
              "매시간 15분씩 쉬어요. 오후 2-5시에는 긴급조치 외 옥외작업을 멈춰요."),
)
HOT_HOURS_LOCAL = (14, 17)
# A weather reading older than this is not "now": the heat answer says so (the stage is still the last known one).
HEAT_WEATHER_MAX_AGE_S = 3600


@dataclass(frozen=True)
class Indicator:
    key: str
    label_ko: str
    numerator: str
    denominator: str
    per: int
    source: str


INDICATORS = (
    Indicator("injury_rate", "재해율", "재해자수 (사망 포함)", "근로자수", 100,
              "고용노동부 산업재해현황 용어: 재해율 = 재해자수 / 근로자수 x 100"),
    Indicator("fatality_per_10k", "사고사망만인율", "사고사망자수", "근로자수", 10_000,
              "고용노동부 산업재해현황 용어: 사고사망만인율 = 사고사망자수 / 근로자수 x 10,000"),
    Indicator("ltifr", "LTIFR (근로손실재해 도수율)", "lost-time injuries", "hours worked", 1_000_000,
              "ILO / OSHA convention: LTIFR = lost-time injuries x 1,000,000 / hours worked"),
)
# A company's figures are shown only where no count could point at a person: a count of 1 or 2 in a company of
# fewer than 50 workers is suppressed (the usual small-cell rule of statistical disclosure control: cells < 3).
SMALL_COMPANY_WORKERS = 50
MIN_SHOWN_COUNT = 3
ACCIDENT_KINDS = ("near_miss", "injury", "lost_time", "fatal")
NEAR_MISS_CATEGORIES = {
    "gas": "가스·산소 결핍", "fall": "떨어짐·넘어짐", "caught": "끼임", "struck": "부딪힘·맞음",
    "burn": "화상·고열", "electric": "감전", "vehicle": "차량·지게차", "other": "기타",
}
# Escalation mail: retried after 30 s, 60 s, 120 s ... (at most 10 min apart), given up after this many attempts.
OUTBOX_MAX_ATTEMPTS = 30
OUTBOX_BACKOFF = {"base_s": 30.0, "factor": 2.0, "max_s": 600.0}
