// The bus door display. It is the bus's own front end: on a card tap (the reader types the card number and
// Enter) or a card-less boarding, it takes a few frames from the door camera, posts them to POST /v1/boardings
// with the bus device key, and shows the answer in large type, with a cue to the driver when the rider needs
// help. Frames are never stored by the page.
"use strict";

// TEXTS: the catalogue's transit_door surface (services/common/i18n/transit_door.json), loaded before this script.

const Door = (() => {
  const $ = (id) => document.getElementById(id);
  const P = Screens.params;
  const STORAGE = "aicity.doorDisplay.key";
  const bus = { bus_id: P.get("bus") || "BUS-1", route_id: P.get("route") || "101", stop_id: P.get("stop") || "Pohang Stn" };
  const FRAMES = Math.min(5, Math.max(1, Number(P.get("frames") || 3)));
  const FRAME_GAP_MS = Number(P.get("frame_gap_ms") || 180);
  const HOLD_MS = Number(P.get("hold_s") || 8) * 1000;
  let key = null;
  let stream = null;
  let busy = false;
  let holdTimer = null;
  let last = null; // {answer, cardId, offline}

  async function openCamera() {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } },
                                                           audio: false });
      $("video").srcObject = stream;
      await $("video").play().catch(() => {});
    } catch (e) {
      stream = null; // no camera: card taps still work, the service answers no_face
    }
  }

  // Resolves when the camera has presented a new frame (or after 500 ms, so a stalled camera cannot hang).
  function freshFrame(video) {
    if (!video.requestVideoFrameCallback) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 500);
      video.requestVideoFrameCallback(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async function grabFrames() {
    const video = $("video");
    const frames = [];
    if (!stream || !video.videoWidth) return frames;
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext("2d");
    for (let i = 0; i < FRAMES; i += 1) {
      if (i) await new Promise((r) => setTimeout(r, FRAME_GAP_MS));
      await freshFrame(video); // a busy device must not send the same picture twice
      ctx.drawImage(video, 0, 0);
      frames.push(await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.9)));
    }
    return frames;
  }

  async function board(cardId) {
    if (busy) return;
    busy = true;
    clearTimeout(holdTimer);
    try {
      // frames first: a hidden <video> stops painting new frames
      if (Screens.screen() !== "idle") idle();
      const frames = await grabFrames();
      Screens.show("checking", { say: "" });
      const form = new FormData();
      form.append("event_id", Screens.uuid());
      form.append("bus_id", bus.bus_id);
      form.append("route_id", bus.route_id);
      form.append("stop_id", bus.stop_id);
      form.append("occurred_at", new Date().toISOString());
      if (cardId) form.append("card_id", cardId);
      frames.forEach((f, i) => form.append("frames", f, `frame-${i + 1}.jpg`));
      let res;
      try {
        res = await Screens.api(key, "POST", "/v1/boardings", { form, timeoutMs: 10000 });
      } catch (e) {
        res = null;
      }
      if (res && res.ok) {
        render({ answer: res.body, cardId, offline: false });
      } else {
        render({ answer: null, cardId, offline: true, status: res && res.status, error: res && res.body });
      }
    } finally {
      busy = false;
      $("card-input").value = "";
    }
  }

  function fareText(answer) {
    const c = answer.concession && answer.concession !== "none" ? Screens.t("c." + answer.concession) : null;
    if (!answer.concession_applied) {
      return Screens.t("fare_standard", { fare: answer.fare_krw.toLocaleString("ko-KR") });
    }
    if (answer.fare_krw === 0) return `${c} · ${Screens.t("free")}`;
    const fare = Screens.t("fare", { fare: answer.fare_krw.toLocaleString("ko-KR") });
    return c ? `${c} · ${fare}` : fare;
  }

  // What a rider sees for each decision. A card's concession applies only on a verified face, or once the
  // driver has looked at the card and pressed the confirmation button; until then the standard fare shows.
  // A mismatch never refuses the ride on its own: the driver looks.
  function view({ answer, cardId, offline }) {
    if (offline || !answer) return { tone: "show-card", title: "show_card", note: "note_offline", fare: null };
    const withCard = Boolean(cardId);
    const waiting = Boolean(answer.driver_confirmation_allowed);
    const confirmNote = waiting ? "note_confirm" : null;
    if (answer.concession_reason === "driver_confirmed") {
      return { tone: "welcome", title: "welcome", note: "note_confirmed", fare: fareText(answer) };
    }
    switch (answer.decision) {
      case "verified":
        return { tone: "welcome", title: "welcome", note: null, fare: fareText(answer) };
      case "identified":
        return { tone: "welcome", title: "welcome", note: waiting ? "note_confirm" : "note_identified",
                 fare: fareText(answer), confirm: waiting, recognised: true };
      case "mismatch":
        return { tone: "show-card", title: "show_card", note: waiting ? confirmNote : "note_mismatch",
                 fare: fareText(answer), confirm: waiting };
      case "no_face":
        if (!withCard) return { tone: "tap-card", title: "tap_card", note: "note_no_face", fare: null };
        return waiting ? { tone: "show-card", title: "show_card", note: confirmNote, fare: fareText(answer), confirm: true }
          : { tone: "welcome", title: "welcome", note: null, fare: fareText(answer) };
      default: // unknown
        if (!withCard) return { tone: "tap-card", title: "tap_card", note: "note_unknown_nocard", fare: null };
        return waiting ? { tone: "show-card", title: "show_card", note: confirmNote, fare: fareText(answer), confirm: true }
          : { tone: "welcome", title: "welcome", note: null, fare: fareText(answer) };
    }
  }

  // The driver's confirmation (audited by the service: which device, when); the answer then carries the fare.
  async function confirmByDriver(event) {
    event.stopPropagation();
    if (!last || !last.answer) return;
    $("driver-confirm").disabled = true;
    const path = `/v1/boardings/${encodeURIComponent(last.answer.event_id)}/driver-confirmation`;
    let res = null;
    try {
      res = await Screens.api(key, "POST", path, { timeoutMs: 10000 });
    } catch (e) {
      res = null;
    }
    $("driver-confirm").disabled = false;
    if (res && res.ok) render({ ...last, answer: res.body });
  }

  function render(result) {
    last = result;
    paint();
    Screens.show("decision", { say: [$("decision-title").textContent, $("decision-fare").textContent]
      .filter(Boolean).join(". ") });
    clearTimeout(holdTimer);
    holdTimer = setTimeout(idle, HOLD_MS);
  }

  function paint() {
    if (!last) return;
    const v = view(last);
    const box = $("decision");
    box.className = `decision ${v.tone}`;
    box.dataset.decision = last.answer ? last.answer.decision : "offline";
    $("decision-title").textContent = Screens.t(v.title);
    $("decision-fare").textContent = v.fare || "";
    $("decision-fare").hidden = !v.fare;
    const concession = last.answer && last.answer.concession !== "none" ? Screens.t("c." + last.answer.concession) : "";
    $("decision-note").textContent = v.note ? Screens.t(v.note, { c: concession }) : "";
    $("decision-note").hidden = !v.note;
    $("driver-confirm").hidden = !v.confirm;
    $("driver-cue").hidden = !(last.answer && last.answer.needs_assistance);
  }

  function idle() {
    last = null;
    $("driver-cue").hidden = true;
    Screens.show("idle", { say: "" });
    $("card-input").focus();
  }

  function start() {
    key = Screens.init(TEXTS, { storageName: STORAGE, langButton: $("lang-button"), speechButton: $("speech-button") });
    const label = () => {
      $("bus-label").textContent = Screens.t("bus_label", { route: bus.route_id });
    };
    label();
    Screens.onLang(() => {
      label();
      paint();
    });
    if (!key) {
      Screens.show("setup");
      Screens.wirePairing(STORAGE, () => location.reload());  // start again with the key kept on the display
      return;
    }
    $("tap-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const cardId = $("card-input").value.trim();
      if (cardId) board(cardId);
    });
    $("no-card").addEventListener("click", () => board(null));
    // The card reader types the card number and Enter wherever the focus is: the next rider may tap while the
    // previous decision is still on the screen.
    let typed = "";
    document.addEventListener("keydown", (e) => {
      if (e.target === $("card-input")) return;
      if (e.key === "Enter") {
        const cardId = typed.trim();
        typed = "";
        if (cardId) board(cardId);
      } else if (e.key.length === 1) {
        typed = (typed + e.key).slice(-40);
      }
    });
    // touching the decision goes back to the camera view at once
    $("decision").addEventListener("click", idle);
    $("driver-confirm").addEventListener("click", confirmByDriver);
    openCamera();
    idle();
  }

  return { start, board, last: () => last };
})();

window.DoorApp = Door;
document.addEventListener("DOMContentLoaded", Door.start);
