"""The kiosk's offline rules (static/kiosk-rules.js) answer exactly as the server's (rules.py, domain.py) for
every plausible reading: each BP pair in the plausibility ranges and each glucose value in each meal context."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from services.health_hubs.readings.domain import classify_reading_detail
from services.health_hubs.readings.rules import KSH_2022, MEAL_CONTEXTS

RULES_JS = Path(__file__).resolve().parents[3] / "services" / "health_hubs" / "static" / "kiosk-rules.js"
R = KSH_2022

NODE_SCRIPT = """
const fs = require("fs");
eval(fs.readFileSync(process.argv[1], "utf8") + "; globalThis.KioskRules = KioskRules;");
const [slo, shi] = JSON.parse(process.argv[2]), [dlo, dhi] = JSON.parse(process.argv[3]);
const [glo, ghi] = JSON.parse(process.argv[4]), meals = JSON.parse(process.argv[5]);
const bp = [], glucose = [];
for (let s = slo; s <= shi; s++) for (let d = dlo; d <= Math.min(dhi, s); d++) {
  const r = KioskRules.classifyBp(s, d);
  bp.push([s, d, r.category, r.grade, r.isolated_systolic, r.crisis, r.flags, r.next_step]);
}
for (const meal of meals) for (let g = glo; g <= ghi; g++) {
  const r = KioskRules.glucose(g, meal);
  glucose.push([g, meal, r.category, r.next_step]);
}
process.stdout.write(JSON.stringify({ bp, glucose }));
"""


@pytest.fixture(scope="module")
def kiosk_answers():
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed")
    out = subprocess.run(
        [node, "-e", NODE_SCRIPT, str(RULES_JS), json.dumps(R.systolic_range), json.dumps(R.diastolic_range),
         json.dumps(R.glucose_range), json.dumps(list(MEAL_CONTEXTS))],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return json.loads(out.stdout)


def test_kiosk_bp_rules_match_the_server_for_every_plausible_pair(kiosk_answers):
    bp = kiosk_answers["bp"]
    # systolic 70-300, diastolic 40-180, systolic >= diastolic: every pair
    expected_pairs = sum(1 for s in range(70, 301) for d in range(40, 181) if d <= s)
    assert len(bp) == expected_pairs == 26_466
    mismatches = []
    for s, d, category, grade, isolated, crisis, flags, step in bp:
        server = classify_reading_detail("bp", {"systolic": s, "diastolic": d}, R)
        mine = {"category": category, "grade": grade, "isolated_systolic": isolated, "crisis": crisis,
                "flags": flags, "next_step": step}
        if mine != server:
            mismatches.append((s, d, mine, server))
    assert mismatches == []


def test_kiosk_glucose_rules_match_the_server_for_every_plausible_value(kiosk_answers):
    glucose = kiosk_answers["glucose"]
    assert len(glucose) == 971 * 3
    mismatches = [(g, meal, c, step) for g, meal, c, step in glucose
                  if classify_reading_detail("glucose", {"glucose_mg_dl": g, "meal_context": meal}, R)
                  != {"category": c, "next_step": step}]
    assert mismatches == []
