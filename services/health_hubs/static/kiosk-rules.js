// The kiosk's own copy of the few rules it needs while the network is down, as data with their sources.
// When the service answers, its classification (versioned rules on the server, services/health_hubs/readings/rules.py)
// and its words are what the screen shows; these only decide the words shown offline, so that a crisis is
// never left unsaid. Categories and next-step codes are the service's.
"use strict";

const KioskRules = {
  source: "DOMAIN.md: KSH 2018/2022 (BP grades), ACC/AHA 2017 (crisis), ADA / Korean Diabetes Association (glucose)",
  protocol: {
    // >= 5 min seated rest; >= 2 readings 1-2 min apart, averaged; a 3rd when they differ or pulse is irregular
    rest_s: 300,
    between_s: 60,
    readings: 2,
    max_readings: 3,
    differ_mmhg: 10, // a third reading when systolic or diastolic of the first two differ by more than this
    max_retries: 2, // a reading with body movement or a loose cuff is taken again, at most this often
  },
  bp: {
    crisis_above: [180, 120],
    // highest first: [category, systolic at least, diastolic at least (null: systolic only)]
    grades: [["hypertension_grade2", 160, 100], ["hypertension_grade1", 140, 90], ["prehypertension", 130, 80],
             ["elevated", 120, null]],
    isolated_systolic: [140, 90], // systolic >= 140 with diastolic < 90
  },
  glucose_bands: {
    fasting: [["diabetes_range", 126], ["impaired_fasting", 100]],
    postprandial: [["diabetes_range", 200], ["impaired_tolerance", 140]],
    random: [["diabetes_range", 200]],
  },
  hypo_below: [["hypo_level2", 54], ["hypo_level1", 70]],

  // Same shape as the server (readings/domain.py BpClassification): the grade always, isolated_systolic and crisis as
  // separate flags, category = crisis, else isolated_systolic, else the grade; next step from all three
  // (readings/domain.py bp_next_step with a complete protocol). tests/health_hubs/readings/test_kiosk_rules.py runs both over every
  // plausible reading.
  classifyBp(systolic, diastolic) {
    const [cs, cd] = this.bp.crisis_above;
    let grade = "normal";
    for (const [name, s, d] of this.bp.grades) {
      if (systolic >= s || (d !== null && diastolic >= d)) {
        grade = name;
        break;
      }
    }
    const crisis = systolic > cs || diastolic > cd;
    const isolated_systolic = systolic >= this.bp.isolated_systolic[0] && diastolic < this.bp.isolated_systolic[1];
    const flags = [isolated_systolic && "isolated_systolic", crisis && "crisis"].filter(Boolean);
    const category = crisis ? "crisis" : isolated_systolic ? "isolated_systolic" : grade;
    const next_step = crisis ? "call_119"
      : grade === "hypertension_grade2" ? "see_nurse_today"
      : grade === "hypertension_grade1" ? "see_nurse" : "none";
    return { category, grade, isolated_systolic, crisis, flags, next_step };
  },

  glucose(mgdl, meal) {
    for (const [name, below] of this.hypo_below) {
      if (mgdl < below) return { category: name, next_step: "eat_sugar_tell_staff" };
    }
    for (const [name, atLeast] of this.glucose_bands[meal] || this.glucose_bands.random) {
      if (mgdl >= atLeast) return { category: name, next_step: "see_nurse" };
    }
    return { category: "normal", next_step: "none" };
  },
};
