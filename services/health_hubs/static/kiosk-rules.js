// The kiosk's own copy of the few rules it needs while the network is down, as data with their sources.
// When the service answers, its classification (versioned rules on the server) is what the screen shows;
// these rules only decide the words shown offline, so a crisis is never left unsaid.
"use strict";

const KioskRules = {
  source: "DOMAIN.md: KSH 2022 (BP), ACC/AHA 2017 (crisis), ADA / Korean Diabetes Association (glucose)",
  protocol: {
    // >= 5 min seated rest; >= 2 readings 1-2 min apart, averaged; a 3rd when they differ or pulse is irregular
    rest_s: 300,
    between_s: 60,
    readings: 2,
    max_readings: 3,
    differ_mmhg: 10, // a third reading when systolic or diastolic of the first two differ by more than this
    max_retries: 2, // a reading with body movement or a loose cuff is taken again, at most this often
  },
  bp: [
    // first match wins; "or" = either value reaching it
    { category: "crisis", systolic_gt: 180, diastolic_gt: 120, next_step: "call_119" },
    { category: "hypertension_2", systolic_ge: 160, diastolic_ge: 100, next_step: "see_nurse_today" },
    { category: "hypertension_1", systolic_ge: 140, diastolic_ge: 90, next_step: "see_nurse_today" },
    { category: "prehypertension", systolic_ge: 130, diastolic_ge: 80, next_step: "routine" },
    { category: "elevated", systolic_ge: 120, diastolic_ge: 1000, next_step: "routine" },
    { category: "normal", systolic_ge: 0, diastolic_ge: 0, next_step: "routine" },
  ],
  glucose(mgdl, meal) {
    if (mgdl < 54) return { category: "hypoglycaemia_2", next_step: "call_119" };
    if (mgdl < 70) return { category: "hypoglycaemia_1", next_step: "remeasure" };
    if (meal === "fasting") {
      if (mgdl >= 126) return { category: "diabetes_range", next_step: "see_nurse_today" };
      if (mgdl >= 100) return { category: "impaired_fasting", next_step: "routine" };
      return { category: "normal", next_step: "routine" };
    }
    if (mgdl >= 200) return { category: "diabetes_range", next_step: "see_nurse_today" };
    return { category: "normal", next_step: "routine" };
  },
  classifyBp(systolic, diastolic) {
    for (const rule of this.bp) {
      const hit = rule.systolic_gt !== undefined
        ? systolic > rule.systolic_gt || diastolic > rule.diastolic_gt
        : systolic >= rule.systolic_ge || diastolic >= rule.diastolic_ge;
      if (hit) return { category: rule.category, next_step: rule.next_step };
    }
    return { category: "normal", next_step: "routine" };
  },
  // How urgent each next step is, to put the most urgent one on top of the result screen.
  urgency: { call_119: 4, see_nurse_now: 3, remeasure: 2, see_nurse_today: 2, routine: 0 },
};
