// The community-centre health kiosk: card -> rest -> two (or three) BP readings -> glucose -> result in words.
// Readings wait in an outbox in localStorage (each with its client_id) until the service has them, so a network
// cut loses nothing and a retry never records twice.
"use strict";

// TEXTS: the catalogue's health_kiosk surface (services/common/i18n/health_kiosk.json), loaded before this script.

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
    Screens.wirePairing("aicity.healthKiosk.key", (paired) => {  // a pairing code or a key
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
