// The community-centre health kiosk: card -> rest -> two (or three) BP readings -> glucose -> result in words.
// Readings wait in an outbox in localStorage (each with its client_id) until the service has them, so a network
// cut loses nothing and a retry never records twice.
"use strict";

const TEXTS = {
  ko: {
    title: "건강 측정 키오스크", place: "주민센터 건강 측정", switch_lang: "English", sound: "소리",
    setup_title: "키오스크 설정이 필요해요", setup_text: "직원에게 알려 주세요.", setup_label: "연결 코드 또는 기기 키 (직원용)",
    save: "저장",
    identify_title: "카드를 대 주세요", identify_text: "건강 카드를 읽는 곳에 대거나, QR 코드를 보여 주세요.",
    token_label: "카드 번호", next: "다음",
    say_identify: "안녕하세요. 건강 카드를 대 주세요.",
    unknown_card: "등록되지 않은 카드예요. 직원에게 문의해 주세요.",
    offline_identify: "인터넷이 연결되지 않아 카드를 확인할 수 없어요. 잠시 후 다시 해 주세요.",
    kiosk_key_bad: "키오스크 설정에 문제가 있어요. 직원에게 알려 주세요.",
    no_consent: "건강 정보 동의가 아직 없어요. 직원에게 문의해 주세요.",
    rejected: "이 값은 기록하지 않았어요. 다시 재 주세요.",
    hello: "안녕하세요", confirm_text: "본인이 맞으세요?", yes_me: "네, 맞아요", no_not_me: "아니요",
    say_confirm: "본인이 맞으면 네, 맞아요를 누르세요.",
    choose_title: "무엇을 재시겠어요?", choose_bp: "혈압", choose_glucose: "혈당", choose_both: "혈압과 혈당",
    say_choose: "무엇을 재실지 골라 주세요. 혈압, 혈당, 또는 둘 다.",
    rest_title: "편안히 앉아 쉬세요", rest_1: "등을 기대고 발은 바닥에 두세요.", rest_2: "이야기는 잠시 멈추고 편하게 숨 쉬세요.",
    rest_hint: "시간이 끝나면 다음으로 넘어가요.",
    say_rest: "정확하게 재려면 먼저 쉬어야 해요. 등을 기대고 편안히 앉아 계세요.",
    bp_title: "혈압 재기", bp_count: "({n}번째)",
    bp_1: "왼팔에 혈압 띠를 감아 주세요.", bp_2: "팔을 책상 위에 편히 올려 두세요.",
    bp_3: "아래 버튼을 누르고 움직이지 마세요.", start_measure: "측정 시작",
    say_bp: "팔에 혈압 띠를 감고 측정 시작을 눌러 주세요.", measuring: "재는 중이에요. 움직이지 마세요.",
    problem_movement: "움직임이 있었어요. 팔을 편히 두세요. 다시 잴게요.",
    problem_cuff: "혈압 띠가 헐거워요. 조금 더 단단히 감아 주세요. 다시 잴게요.",
    device_error: "기계가 값을 읽지 못했어요. 다시 눌러 주세요.",
    reading_line: "{n}번째: {s} / {d} mmHg, 맥박 {p}",
    between_title: "잠시 쉬었다가 한 번 더 재요",
    between_why_2: "정확하게 알기 위해 두 번 재요.",
    between_why_3: "두 번의 값 차이가 커서 한 번 더 재요.",
    say_between: "잠시 쉬었다가 한 번 더 잴게요.",
    meal_title: "마지막으로 드신 때가 언제예요?", meal_fasting: "8시간 넘게 안 먹었어요 (공복)",
    meal_post: "식사 후 2시간쯤", meal_random: "잘 모르겠어요 / 그 밖에",
    say_meal: "마지막으로 음식을 드신 때를 골라 주세요.",
    glucose_title: "혈당 재기", glucose_1: "손을 씻거나 알코올 솜으로 닦으세요.",
    glucose_2: "검사지를 측정기에 꽂으세요.", glucose_3: "손끝 피 한 방울을 검사지에 대세요.",
    say_glucose: "검사지를 꽂고 손끝 피 한 방울을 대 주세요. 그리고 측정 시작을 누르세요.",
    measuring_glucose: "재는 중이에요.",
    problem_control: "검사용 용액이 측정되었어요. 손끝 피로 다시 재 주세요.",
    sending_title: "결과를 확인하고 있어요", sending_text: "잠시만 기다려 주세요.",
    result_title: "오늘의 결과",
    result_offline: "인터넷이 잠시 끊겼어요. 기록은 이 기계에 안전하게 보관했다가 연결되면 자동으로 보내요.",
    not_diagnosis: "이 결과는 진단이 아니에요. 건강이 걱정되면 간호사나 의사와 상담하세요.",
    listen_again: "다시 듣기", done: "끝내기", start_over: "처음으로",
    help_staff: "도움이 필요하면 직원을 불러 주세요.",
    bp_label: "혈압", glucose_label: "혈당", pulse: "맥박",
    "cat.normal": "정상 범위예요", "cat.elevated": "조금 높은 편이에요", "cat.prehypertension": "높은 편이에요",
    "cat.hypertension_grade1": "높아요", "cat.hypertension_grade2": "많이 높아요", "cat.isolated_systolic": "높아요",
    "cat.crisis": "아주 높아요", "cat.hypo_level1": "낮아요",
    "cat.hypo_level2": "아주 낮아요", "cat.impaired_fasting": "조금 높은 편이에요",
    "cat.impaired_tolerance": "조금 높은 편이에요", "cat.diabetes_range": "높아요",
    "cat.unknown": "결과를 판단하지 못했어요",
    // the service sends its own words with each next step; these are for when it cannot be reached
    "step.none": "감사합니다. 평소처럼 정기적으로 측정해 주세요.",
    "step.remeasure": "5분 동안 편히 쉬신 뒤 다시 측정해 주세요.",
    "step.see_nurse": "다음 방문 때 보건소 간호사에게 이 결과를 보여 주세요.",
    "step.see_nurse_today": "오늘 간호사의 상담을 받으세요. 센터 직원에게 알려 주세요.",
    "step.eat_sugar_tell_staff": "지금 주스나 사탕을 드시고 직원에게 알려 주세요. 15분 뒤에 다시 재요.",
    "step.call_119": "가슴이 아프거나, 숨이 차거나, 머리가 몹시 아프거나, 팔다리에 힘이 빠지면 119에 전화하세요.",
    urgent_119: "지금 바로 직원에게 알려 주세요. 몸이 많이 불편하면 119에 전화하세요.",
    status_online: "인터넷 연결됨", status_offline: "인터넷이 끊겼어요. 측정은 계속할 수 있어요.",
    status_queued: "보내기를 기다리는 기록 {n}건",
  },
  en: {
    title: "Health check kiosk", place: "Community centre health check", switch_lang: "한국어", sound: "Sound",
    setup_title: "This kiosk needs setting up", setup_text: "Please tell a member of staff.",
    setup_label: "Pairing code or device key (staff)", save: "Save",
    identify_title: "Please tap your card", identify_text: "Hold your health card to the reader, or show your QR code.",
    token_label: "Card number", next: "Next",
    say_identify: "Hello. Please tap your health card.",
    unknown_card: "This card is not registered. Please ask a member of staff.",
    offline_identify: "The internet is down, so the card cannot be checked. Please try again shortly.",
    kiosk_key_bad: "This kiosk is not set up correctly. Please tell a member of staff.",
    no_consent: "We do not have your consent for health data yet. Please ask a member of staff.",
    rejected: "This value was not recorded. Please measure again.",
    hello: "Hello", confirm_text: "Is this you?", yes_me: "Yes, it's me", no_not_me: "No",
    say_confirm: "If this is you, press Yes.",
    choose_title: "What would you like to measure?", choose_bp: "Blood pressure", choose_glucose: "Blood sugar",
    choose_both: "Both",
    say_choose: "Choose what to measure: blood pressure, blood sugar, or both.",
    rest_title: "Sit and rest", rest_1: "Lean back with your feet flat on the floor.",
    rest_2: "Stop talking for a moment and breathe calmly.", rest_hint: "We move on when the time is up.",
    say_rest: "To measure correctly, please rest first. Sit back comfortably.",
    bp_title: "Blood pressure", bp_count: "(reading {n})",
    bp_1: "Wrap the blood pressure band around your left arm.", bp_2: "Rest your arm on the table.",
    bp_3: "Press the button below and keep still.", start_measure: "Start",
    say_bp: "Wrap the band around your arm and press Start.", measuring: "Measuring. Please keep still.",
    problem_movement: "You moved a little. Rest your arm and we will measure again.",
    problem_cuff: "The band is loose. Please wrap it a little tighter. We will measure again.",
    device_error: "The device could not read a value. Please press again.",
    reading_line: "Reading {n}: {s} / {d} mmHg, pulse {p}",
    between_title: "A short rest, then once more",
    between_why_2: "We measure twice to be accurate.",
    between_why_3: "The two readings differ a lot, so we measure a third time.",
    say_between: "Please rest a moment; we will measure once more.",
    meal_title: "When did you last eat?", meal_fasting: "Over 8 hours ago (fasting)",
    meal_post: "About 2 hours after a meal", meal_random: "Not sure / other",
    say_meal: "Choose when you last ate.",
    glucose_title: "Blood sugar", glucose_1: "Wash your hands or wipe with an alcohol swab.",
    glucose_2: "Put a test strip into the meter.", glucose_3: "Touch a drop of blood from your fingertip to the strip.",
    say_glucose: "Insert a strip, touch a drop of blood to it, then press Start.",
    measuring_glucose: "Measuring.",
    problem_control: "That was control solution. Please measure with a drop of blood.",
    sending_title: "Checking your result", sending_text: "One moment, please.",
    result_title: "Your result today",
    result_offline: "The internet is down for a moment. Your readings are kept safely here and sent automatically when it is back.",
    not_diagnosis: "This is not a diagnosis. If you are worried about your health, talk to a nurse or doctor.",
    listen_again: "Listen again", done: "Finish", start_over: "Start over",
    help_staff: "If you need help, please call a member of staff.",
    bp_label: "Blood pressure", glucose_label: "Blood sugar", pulse: "pulse",
    "cat.normal": "In the normal range", "cat.elevated": "A little high", "cat.prehypertension": "On the high side",
    "cat.hypertension_grade1": "High", "cat.hypertension_grade2": "Very high", "cat.isolated_systolic": "High",
    "cat.crisis": "Very high", "cat.hypo_level1": "Low",
    "cat.hypo_level2": "Very low", "cat.impaired_fasting": "A little high",
    "cat.impaired_tolerance": "A little high", "cat.diabetes_range": "High",
    "cat.unknown": "We could not judge this reading",
    "step.none": "Thank you. Keep measuring at your usual visits.",
    "step.remeasure": "Please rest for 5 minutes, then measure again.",
    "step.see_nurse": "Please show this result to the nurse at the public health centre at your next visit.",
    "step.see_nurse_today": "Please see the nurse today. Please tell the centre staff.",
    "step.eat_sugar_tell_staff": "Take sweet juice or candy now and tell the staff. We will measure again in 15 minutes.",
    "step.call_119": "If you have chest pain, trouble breathing, a very bad headache or weak arms or legs, call 119.",
    urgent_119: "Please tell the staff right now. If you feel very unwell, call 119.",
    status_online: "Online", status_offline: "The internet is down. You can keep measuring.",
    status_queued: "{n} reading(s) waiting to be sent",
  },
};

const Kiosk = (() => {
  const P = Screens.params;
  const demo = P.has("demo");
  const protocol = {
    ...KioskRules.protocol,
    rest_s: Number(P.get("rest_s") ?? (demo ? 5 : KioskRules.protocol.rest_s)),
    between_s: Number(P.get("between_s") ?? (demo ? 3 : KioskRules.protocol.between_s)),
  };
  const OUTBOX = "aicity.healthKiosk.outbox";
  const IDLE_RESET_MS = Number(P.get("idle_s") ?? 180) * 1000;
  const devices = KioskDevices.choose(P);
  const $ = (id) => document.getElementById(id);
  let key = null;
  let state = null;
  let timer = null;
  let idleTimer = null;
  let lastResultSpeech = "";

  function freshState() {
    return { resident: null, measure: null, bp: [], retries: 0, meal: null, glucose: null, results: [] };
  }

  // ---- API (the health_hubs contract) -----------------------------------------------------------------
  const api = (method, path, opts) => Screens.api(key, method, path, opts);

  async function identify(token) {
    return api("POST", "/v1/kiosk/identify", { json: { token } });
  }

  const SAMPLE_TYPES = new Set(["capillary_whole_blood", "capillary_plasma", "venous_plasma", "control_solution"]);

  function flagsOf(r) {
    return [["body_movement", r.body_movement], ["cuff_loose", r.cuff_loose], ["irregular_pulse", r.irregular_pulse],
            ["position_improper", r.improper_position]].filter(([, on]) => on).map(([name]) => name);
  }

  // POST /v1/readings body (ReadingIn): one BP sitting with its raw measurements, or one glucose sample.
  function bpRecord() {
    const bp = state.bp.map((r) => ({
      systolic: r.systolic_mmhg, diastolic: r.diastolic_mmhg, map_mmhg: r.map_mmhg, pulse_bpm: r.pulse_bpm,
      flags: flagsOf(r), device_time: r.device_time,
    }));
    return { client_id: Screens.uuid(), resident_id: state.resident.resident_id, kind: "bp",
             measured_at: state.bp[state.bp.length - 1].device_time, bp };
  }

  function glucoseRecord() {
    const g = state.glucose;
    return {
      client_id: Screens.uuid(), resident_id: state.resident.resident_id, kind: "glucose",
      measured_at: g.device_time, glucose_mg_dl: g.glucose_mg_dl, meal_context: state.meal,
      sample_type: SAMPLE_TYPES.has(g.sample_type) ? g.sample_type : "unknown", meter_seq: g.sequence_number,
    };
  }

  // ---- outbox -----------------------------------------------------------------------------------------
  function outbox() {
    try {
      return JSON.parse(localStorage.getItem(OUTBOX) || "[]");
    } catch (_) {
      return [];
    }
  }

  function saveOutbox(items) {
    localStorage.setItem(OUTBOX, JSON.stringify(items));
    renderStatus();
  }

  let flushing = null;
  // Sends the waiting records oldest first. Returns {answers: {client_id: body}, offline: bool}.
  function flush() {
    if (!flushing) {
      flushing = doFlush().finally(() => {
        flushing = null;
      });
    }
    return flushing;
  }

  async function doFlush() {
    const answers = {};
    let offline = false;
    for (const item of outbox()) {
      let res;
      try {
        res = await api("POST", "/v1/readings", { json: item.body });
      } catch (err) {
        offline = true;
        break;
      }
      if (res.ok) {
        answers[item.body.client_id] = res.body;
      } else if (res.status >= 500 || res.status === 401 || res.status === 403 || res.status === 429) {
        offline = res.status >= 500;
        break; // the service or the key is the problem: keep the record and try later
      } else {
        // a 4xx about the record itself (implausible value, control solution): retrying cannot help
        answers[item.body.client_id] = { rejected: true, status: res.status, ...(res.body || {}) };
      }
      saveOutbox(outbox().filter((x) => x.body.client_id !== item.body.client_id));
    }
    renderStatus(offline);
    return { answers, offline };
  }

  function renderStatus(offline) {
    const el = $("net-status");
    const isOffline = offline === true || !navigator.onLine;
    const waiting = outbox().length;
    let text = isOffline ? Screens.t("status_offline") : Screens.t("status_online");
    if (waiting) text += " · " + Screens.t("status_queued", { n: waiting });
    el.textContent = text;
    el.classList.toggle("offline", isOffline);
    el.dataset.queued = String(waiting);
  }

  // ---- flow -------------------------------------------------------------------------------------------
  function show(name, opts) {
    $("start-over").hidden = name === "identify" || name === "setup";
    Screens.show(name, opts);
    armIdle();
  }

  function armIdle() {
    clearTimeout(idleTimer);
    if (Screens.screen() === "identify" || Screens.screen() === "setup") return;
    idleTimer = setTimeout(startOver, IDLE_RESET_MS);
  }

  function startOver() {
    clearInterval(timer);
    state = freshState();
    $("token").value = "";
    $("identify-error").hidden = true;
    show("identify");
    $("token").focus();
  }

  // The greeting shows the service's initials ("김OO"): a full name on a shared screen says too much.
  function maskName(resident) {
    if (resident.initials) return resident.initials;
    const name = resident.display_name || "";
    if (name.length <= 1) return name;
    if (name.length === 2) return name[0] + "*";
    return name[0] + "*".repeat(name.length - 2) + name[name.length - 1];
  }

  async function onIdentify(event) {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) return;
    const err = $("identify-error");
    err.hidden = true;
    $("identify-button").disabled = true;
    try {
      const res = await identify(token);
      if (res.ok && res.body && res.body.can_measure === false) {
        err.textContent = Screens.t("no_consent");
      } else if (res.ok) {
        state = freshState();
        state.resident = res.body;
        $("resident-name").textContent = maskName(state.resident) + (Screens.getLang() === "ko" ? " 님" : "");
        show("confirm");
        return;
      } else {
        err.textContent = Screens.t(res.status === 401 || res.status === 403 ? "kiosk_key_bad" : "unknown_card");
      }
    } catch (e) {
      err.textContent = Screens.t("offline_identify");
      renderStatus(true);
    } finally {
      $("identify-button").disabled = false;
    }
    err.hidden = false;
    Screens.speak(err.textContent);
    $("token").select();
  }

  function countdown(seconds, el, done) {
    clearInterval(timer);
    let left = seconds;
    const paint = () => {
      el.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    };
    paint();
    timer = setInterval(() => {
      left -= 1;
      paint();
      if (left <= 0) {
        clearInterval(timer);
        done();
      }
    }, 1000);
  }

  function choose(what) {
    state.measure = what;
    if (what === "glucose") {
      show("meal");
      return;
    }
    show("rest");
    countdown(protocol.rest_s, $("rest-timer"), () => startBp());
  }

  function startBp() {
    $("bp-count").textContent = Screens.t("bp_count", { n: state.bp.length + 1 });
    $("bp-problem").hidden = true;
    $("bp-progress").hidden = true;
    $("bp-start").disabled = false;
    renderReadings($("bp-readings"));
    show("bp");
  }

  function renderReadings(el) {
    el.hidden = state.bp.length === 0;
    el.replaceChildren(...state.bp.map((r, i) => {
      const p = document.createElement("p");
      p.className = "reading-line";
      p.textContent = Screens.t("reading_line", { n: i + 1, s: r.systolic_mmhg, d: r.diastolic_mmhg,
                                                   p: r.pulse_bpm ?? "-" });
      return p;
    }));
  }

  function needThird() {
    const [a, b] = state.bp;
    return Math.abs(a.systolic_mmhg - b.systolic_mmhg) > protocol.differ_mmhg
      || Math.abs(a.diastolic_mmhg - b.diastolic_mmhg) > protocol.differ_mmhg
      || a.irregular_pulse || b.irregular_pulse;
  }

  async function measureBp() {
    $("bp-start").disabled = true;
    $("bp-problem").hidden = true;
    $("bp-progress").hidden = false;
    Screens.speak(Screens.t("measuring"));
    let r;
    try {
      r = await devices.bp.measure();
    } catch (e) {
      $("bp-progress").hidden = true;
      $("bp-problem").textContent = Screens.t("device_error");
      $("bp-problem").hidden = false;
      $("bp-start").disabled = false;
      return;
    }
    $("bp-progress").hidden = true;
    armIdle();
    if ((r.body_movement || r.cuff_loose) && state.retries < protocol.max_retries) {
      state.retries += 1;
      const problem = $("bp-problem");
      problem.textContent = Screens.t(r.cuff_loose ? "problem_cuff" : "problem_movement");
      problem.hidden = false;
      Screens.speak(problem.textContent);
      $("bp-start").disabled = false;
      return;
    }
    state.retries = 0;
    state.bp.push(r);
    renderReadings($("bp-readings"));
    const n = state.bp.length;
    const more = n < protocol.readings || (n === protocol.readings && needThird());
    if (more && n < protocol.max_readings) {
      $("between-why").textContent = Screens.t(n >= protocol.readings ? "between_why_3" : "between_why_2");
      renderReadings($("between-readings"));
      show("between");
      countdown(protocol.between_s, $("between-timer"), () => startBp());
      return;
    }
    if (state.measure === "both") {
      show("meal");
    } else {
      submit();
    }
  }

  function chooseMeal(meal) {
    state.meal = meal;
    $("glucose-problem").hidden = true;
    $("glucose-progress").hidden = true;
    $("glucose-start").disabled = false;
    show("glucose");
  }

  async function measureGlucose() {
    $("glucose-start").disabled = true;
    $("glucose-problem").hidden = true;
    $("glucose-progress").hidden = false;
    let g;
    try {
      g = await devices.glucose.measure();
    } catch (e) {
      $("glucose-progress").hidden = true;
      $("glucose-problem").textContent = Screens.t("device_error");
      $("glucose-problem").hidden = false;
      $("glucose-start").disabled = false;
      return;
    }
    $("glucose-progress").hidden = true;
    if (g.sample_type === "control_solution") {
      $("glucose-problem").textContent = Screens.t("problem_control");
      $("glucose-problem").hidden = false;
      Screens.speak($("glucose-problem").textContent);
      $("glucose-start").disabled = false;
      return;
    }
    state.glucose = g;
    submit();
  }

  async function submit() {
    show("sending");
    const records = [];
    if (state.bp.length) records.push(bpRecord());
    if (state.glucose) records.push(glucoseRecord());
    saveOutbox([...outbox(), ...records.map((body) => ({ body, queued_at: new Date().toISOString() }))]);
    const { answers, offline } = await flush();
    const items = records.map((body) => resultItem(body, answers[body.client_id]));
    renderResult(items, offline || records.some((b) => !answers[b.client_id]));
  }

  // What the screen says for one record: the service's answer when there is one, else the local rules.
  function resultItem(body, answer) {
    const values = body.kind === "bp"
      ? { systolic: avg(body.bp.map((r) => r.systolic)), diastolic: avg(body.bp.map((r) => r.diastolic)) }
      : { glucose: body.glucose_mg_dl };
    const local = body.kind === "bp"
      ? KioskRules.classifyBp(values.systolic, values.diastolic)
      : KioskRules.glucose(body.glucose_mg_dl, body.meal_context);
    const item = { kind: body.kind, client_id: body.client_id, values, category: local.category,
                   next_step: local.next_step, words: null, served: false, rejected: null };
    if (answer && answer.rejected) {
      item.rejected = answer.error || "rejected";
      item.category = "unknown";
      item.next_step = "remeasure";
    } else if (answer) {
      item.served = true;
      item.category = answer.category;
      item.next_step = answer.next_step?.code ?? local.next_step;
      item.words = answer.next_step && answer.next_step.ko ? answer.next_step : null; // {code, ko, en}
      if (body.kind === "bp" && answer.systolic != null) {
        item.values = { systolic: answer.systolic, diastolic: answer.diastolic };
      }
    }
    return item;
  }

  function avg(xs) {
    return xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : null;
  }

  function tone(item) {
    if (item.next_step === "call_119" || item.category === "crisis" || item.category === "hypo_level2") return "danger";
    if (["see_nurse_today", "eat_sugar_tell_staff", "remeasure"].includes(item.next_step)) return "warn";
    if (item.category === "normal" && item.next_step === "none") return "ok";
    return "notice";
  }

  let lastItems = [];
  let lastOffline = false;

  function renderResult(items, offline) {
    lastItems = items;
    lastOffline = offline;
    paintResult();
    show("result", { say: lastResultSpeech });
  }

  function stepWords(item) {
    if (item.rejected) return Screens.t("rejected");
    if (item.words) return item.words[Screens.getLang()] || item.words.ko;
    return Screens.t("step." + item.next_step);
  }

  function paintResult() {
    const speech = [];
    $("result-items").replaceChildren(...lastItems.map((item) => {
      const box = document.createElement("div");
      box.className = `message result-item ${tone(item)}`;
      Object.assign(box.dataset, { kind: item.kind, category: item.category, nextStep: item.next_step,
                                   served: String(item.served) });
      const label = Screens.t(item.kind === "bp" ? "bp_label" : "glucose_label");
      const catKey = "cat." + item.category;
      const words = Screens.t(catKey) === catKey ? Screens.t("cat.unknown") : Screens.t(catKey);
      const h = document.createElement("h2");
      h.textContent = `${label}: ${words}`;
      const v = document.createElement("p");
      v.className = "reading";
      v.textContent = item.kind === "bp" ? `${item.values.systolic} / ${item.values.diastolic} mmHg`
        : `${item.values.glucose} mg/dL`;
      const s = document.createElement("p");
      s.className = "next-step";
      s.textContent = stepWords(item);
      box.append(h, v, s);
      speech.push(`${label}: ${words}. ${s.textContent}`);
      return box;
    }));
    const banner = $("result-urgent");
    banner.replaceChildren();
    if (lastItems.some((i) => i.next_step === "call_119")) {
      const b = document.createElement("div");
      b.className = "message danger urgent";
      b.setAttribute("role", "alert");
      b.textContent = Screens.t("urgent_119");
      banner.append(b);
      speech.unshift(Screens.t("urgent_119") + ".");
    }
    $("result-offline").hidden = !lastOffline;
    lastResultSpeech = speech.join(" ");
  }

  // ---- wiring -----------------------------------------------------------------------------------------
  function start() {
    key = Screens.init(TEXTS, {
      storageName: "aicity.healthKiosk.key", langButton: $("lang-button"), speechButton: $("speech-button"),
    });
    Screens.onLang(() => {
      renderStatus();
      if (Screens.screen() === "result") paintResult();
      if (state && state.resident) {
        $("resident-name").textContent = maskName(state.resident) + (Screens.getLang() === "ko" ? " 님" : "");
      }
    });
    state = freshState();
    $("setup-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const value = $("setup-key").value.trim();
      if (!value) return;
      const paired = await Screens.provision("aicity.healthKiosk.key", value);  // a pairing code or a key
      $("setup-key").value = "";
      $("setup-key").setAttribute("aria-invalid", paired ? "false" : "true");
      if (!paired) return;
      key = paired;
      startOver();
    });
    $("identify-form").addEventListener("submit", onIdentify);
    $("confirm-yes").addEventListener("click", () => show("choose"));
    $("confirm-no").addEventListener("click", startOver);
    $("choose-bp").addEventListener("click", () => choose("bp"));
    $("choose-glucose").addEventListener("click", () => choose("glucose"));
    $("choose-both").addEventListener("click", () => choose("both"));
    $("bp-start").addEventListener("click", measureBp);
    document.querySelectorAll("[data-meal]").forEach((b) => b.addEventListener("click", () => chooseMeal(b.dataset.meal)));
    $("glucose-start").addEventListener("click", measureGlucose);
    $("result-repeat").addEventListener("click", () => Screens.speak(lastResultSpeech));
    $("result-done").addEventListener("click", startOver);
    $("start-over").addEventListener("click", startOver);
    document.addEventListener("pointerdown", armIdle);
    document.addEventListener("keydown", armIdle);
    window.addEventListener("online", () => flush());
    window.addEventListener("offline", () => renderStatus(true));
    setInterval(() => {
      if (outbox().length) flush();
    }, Number(P.get("retry_s") ?? 20) * 1000);
    renderStatus();
    if (!key) {
      show("setup");
      return;
    }
    startOver();
    if (outbox().length) flush();
  }

  return { start, flush, outbox, devices, protocol, state: () => state };
})();

window.KioskApp = Kiosk;
document.addEventListener("DOMContentLoaded", Kiosk.start);
