// The bus door display. It is the bus's own front end: on a card tap (the reader types the card number and
// Enter) or a card-less boarding, it takes a few frames from the door camera, posts them to POST /v1/boardings
// with the bus device key, and shows the answer in large type, with a cue to the driver when the rider needs
// help. Frames are never stored by the page.
"use strict";

const TEXTS = {
  ko: {
    title: "버스 승차 안내", switch_lang: "English", sound: "소리", camera_view: "카메라 화면",
    bus_label: "{route}번 버스", setup_title: "단말기 설정이 필요해요", setup_text: "기사님께 알려 주세요.",
    setup_label: "연결 코드 또는 기기 키 (직원용)", save: "저장",
    idle_title: "카드를 찍고 카메라를 봐 주세요", card_reader: "카드 (카드 단말기)", tap: "카드 찍기",
    no_card: "카드 없이 타기", checking_title: "확인하고 있어요", checking_text: "카메라를 봐 주세요.",
    welcome: "어서 오세요", show_card: "기사님께 카드를 보여 주세요", tap_card: "카드를 찍어 주세요",
    look_camera: "카메라를 봐 주세요",
    note_mismatch: "얼굴 확인이 되지 않았어요. 카드를 기사님께 보여 주시면 돼요.",
    note_identified: "얼굴로 확인되었어요.",
    note_confirm: "기사님이 카드를 보고 확인하면 {c} 요금이 돼요.",
    note_confirmed: "기사님이 확인했어요.",
    driver_confirm: "기사님 확인: 카드 주인이 맞아요",
    fare_standard: "지금 요금 {fare}원",
    note_no_face: "얼굴이 보이지 않았어요.",
    note_unknown_nocard: "확인되지 않았어요. 카드를 찍어 주세요.",
    note_offline: "연결이 끊겼어요. 기사님께 카드를 보여 주세요.",
    free: "무료", fare: "{fare}원",
    "c.senior": "어르신", "c.disability": "장애인", "c.student": "학생", "c.none": "일반",
    driver_cue: "기사님: 승차 도움이 필요한 분이에요. 차체를 낮춰 주세요.",
  },
  en: {
    title: "Boarding", switch_lang: "한국어", sound: "Sound", camera_view: "Camera view",
    bus_label: "Bus {route}", setup_title: "This display needs setting up", setup_text: "Please tell the driver.",
    setup_label: "Pairing code or device key (staff)", save: "Save",
    idle_title: "Tap your card and look at the camera", card_reader: "Card (reader)", tap: "Tap card",
    no_card: "Board without a card", checking_title: "Checking", checking_text: "Please look at the camera.",
    welcome: "Welcome", show_card: "Please show your card to the driver", tap_card: "Please tap your card",
    look_camera: "Please look at the camera",
    note_mismatch: "We could not confirm it's you. Just show your card to the driver.",
    note_identified: "Recognised by face.",
    note_confirm: "Once the driver has checked your card, the {c} fare applies.",
    note_confirmed: "The driver has checked your card.",
    driver_confirm: "Driver: the card is theirs",
    fare_standard: "Fare now {fare} won",
    note_no_face: "We could not see a face.",
    note_unknown_nocard: "Not recognised. Please tap your card.",
    note_offline: "The connection is down. Please show your card to the driver.",
    free: "Free", fare: "{fare} won",
    "c.senior": "Senior", "c.disability": "Disability", "c.student": "Student", "c.none": "Standard",
    driver_cue: "Driver: this rider needs help boarding. Please kneel the bus.",
  },
};

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
      $("setup-form").addEventListener("submit", async (e) => {
        e.preventDefault();
        const value = $("setup-key").value.trim();
        if (!value) return;
        const paired = await Screens.provision(STORAGE, value);  // a pairing code or a key
        $("setup-key").value = "";
        $("setup-key").setAttribute("aria-invalid", paired ? "false" : "true");
        if (paired) location.reload();  // start again with the key kept on the display
      });
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
