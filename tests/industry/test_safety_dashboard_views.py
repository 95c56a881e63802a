"""The safety section's pure helpers: suppressed companies never show a number, gas reads at a glance."""

from dashboard import safety_views


def test_indicators_frame_hides_suppressed_counts_and_rates():
    df = safety_views.indicators_frame([
        {"company_id": "steelworks", "name": "포항제철소", "workers": 16000, "injured": 4, "deaths": 1, "lost_time": 3,
         "injury_rate": 0.025, "fatality_per_10k": 0.625, "ltifr": 0.0893, "near_misses": 1, "suppressed": False},
        {"company_id": "sme", "name": "작은회사", "workers": 14, "injured": None, "deaths": None, "lost_time": None,
         "injury_rate": None, "fatality_per_10k": None, "ltifr": None, "near_misses": 2, "suppressed": True},
    ])
    big, small = df.iloc[0].to_dict(), df.iloc[1].to_dict()
    assert big["재해율 (%)"] == "0.025" and big["사고사망만인율 (‱)"] == "0.625" and big["LTIFR (100만 시간당)"] == "0.0893"
    assert small["재해율 (%)"] == small["LTIFR (100만 시간당)"] == small["재해자"] == "비공개"
    assert small["근로자 수"] == "14" and small["아차사고"] == "2"
    en = safety_views.indicators_frame([{"company_id": "sme", "suppressed": True, "workers": 14}], "en")
    assert en.iloc[0]["Injury rate (%)"] == "suppressed"


def test_gas_summary_and_alarm_rows():
    gas = [{"gas": "co", "value": 41.0, "unit": "ppm", "status": "high"},
           {"gas": "o2", "value": 20.9, "unit": "%", "status": "ok"},
           {"gas": "h2s", "value": None, "unit": "ppm", "status": "no_data"}]
    assert safety_views.gas_summary(gas) == "CO 41 ppm ✗ · O₂ 20.9 % ✓ · H₂S —"
    df = safety_views.alarms_frame([{"severity": "critical", "space": "집진기", "message": "일산화탄소 41 ppm",
                                     "state": "open", "opened_at": "2026-08-03T05:20:00+00:00", "escalated_at": None}])
    row = df.iloc[0].to_dict()
    assert row["중요도"] == "긴급" and row["상태"] == "열림" and row["시작"] == "08-03 14:20"  # Pohang time
    near = safety_views.near_misses_frame([{"occurred_at": "2026-08-03T05:20:00Z", "category": "gas",
                                            "place": "집진기", "reported_via": "phone"}])
    assert near.iloc[0].to_dict()["종류"] == "가스·산소 결핍" and near.iloc[0].to_dict()["경로"] == "휴대폰"
