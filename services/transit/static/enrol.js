// The face-enrolment kiosk: what is kept and why, the card and its concession, a separate biometric consent,
// 1-3 photos from the camera, and erasure. A card-only path is on every screen. Photos live only in this page's
// memory until they are sent; the service keeps templates, never photos.
"use strict";

const CONSENT_VERSION = "transit-face-2025-07";

const TEXTS = {
  ko: {
    title: "버스 얼굴 등록", place: "버스 얼굴 등록", switch_lang: "English", sound: "소리",
    setup_title: "키오스크 설정이 필요해요", setup_text: "직원에게 알려 주세요.", setup_label: "연결 코드 또는 기기 키 (직원용)",
    save: "저장", next: "다음", finish: "끝내기", start_over: "처음으로",
    help_staff: "도움이 필요하면 직원을 불러 주세요.", card_only: "얼굴 없이 카드로만 타기",
    welcome_title: "버스에서 얼굴로 본인 확인",
    welcome_text: "경로우대 카드를 찍을 때 카메라가 카드 주인이 맞는지 확인해요. 등록은 선택이에요.",
    start_face: "얼굴 등록하기", start_erase: "등록한 얼굴 지우기",
    say_welcome: "버스 얼굴 등록 키오스크예요. 얼굴 등록은 선택이에요. 카드로만 타셔도 돼요.",
    about_title: "무엇을 보관하나요?",
    about_1: "사진은 보관하지 않아요. 얼굴 특징을 나타내는 숫자만 암호화해서 보관해요.",
    about_2: "버스에서 카드를 찍은 분이 카드 주인인지 확인하는 데만 써요.",
    about_3: "5년 동안 보관하고, 그 뒤에는 자동으로 지워요. 언제든지 이 키오스크에서 지울 수 있어요.",
    about_4: "등록하지 않아도 카드만으로 버스를 탈 수 있어요.",
    say_about: "사진은 보관하지 않고, 얼굴 특징 숫자만 암호화해 보관해요. 카드 주인 확인에만 쓰고, 언제든 지울 수 있어요.",
    card_title: "교통카드를 대 주세요", card_label: "카드 번호", concession_label: "어떤 카드인가요?",
    c_senior: "어르신 (70세 이상)", c_disability: "장애인", c_student: "학생", c_none: "일반",
    mobility: "타고 내릴 때 도움이 필요해요 (휠체어, 지팡이 등). 기사님께 알려 드려요.",
    say_card: "교통카드를 카드 읽는 곳에 대 주세요.",
    card_missing: "카드 번호를 읽지 못했어요. 카드를 다시 대 주세요.",
    card_taken: "이미 등록된 카드예요. 직원에게 문의해 주세요.",
    card_invalid: "카드 번호가 올바르지 않아요. 다시 대 주세요.",
    consent_title: "얼굴 정보 수집 동의 (선택)",
    consent_1: "수집 항목: 얼굴 특징 정보(숫자). 사진은 보관하지 않아요.",
    consent_2: "목적: 버스 승차 때 경로우대 카드 본인 확인.",
    consent_3: "보관 기간: 5년, 또는 지울 때까지.",
    consent_4: "동의하지 않아도 카드로 버스를 탈 수 있으며, 불이익이 없어요.",
    consent_check: "위 내용을 듣고 얼굴 정보 수집에 동의합니다.",
    consent_ident: "(따로 묻는 선택) 카드를 잊고 탔을 때, 아래 노선 버스에서 얼굴로 저를 찾아도 돼요.",
    birth_label: "생년월일 (선택, 예: 1950-03-02). 나중에 본인만 얼굴 정보를 지울 수 있게 확인용으로만 써요.",
    erase_birth_label: "본인 확인: 등록할 때 알려 주신 생년월일 (예: 1950-03-02)",
    erase_refused: "본인 확인이 되지 않았어요. 신분증을 가지고 직원에게 오시면 지워 드려요.",
    routes_label: "자주 타는 버스 번호 (선택, 쉼표로 구분)",
    routes_hint: "적으면, 카드를 잊고 탔을 때 이 노선에서만 얼굴로 알아볼 수 있어요.",
    consent_yes: "동의하고 사진 찍기", consent_no: "동의하지 않고 카드로만 타기",
    say_consent: "얼굴 정보 수집에 동의하시면 네모 칸을 누르고, 동의하고 사진 찍기를 누르세요. 동의하지 않아도 돼요.",
    camera_title: "사진 찍기", camera_view: "카메라 화면",
    camera_text: "화면 가운데에 얼굴이 오도록 하고, 혼자 찍어 주세요. 1장에서 3장까지 찍을 수 있어요.",
    say_camera: "카메라를 보고 찍기를 누르세요.",
    capture: "찍기", retake: "모두 다시 찍기", enrol: "등록하기", photo_count: "찍은 사진: {n}장 / 최대 3장",
    photo_alt: "찍은 사진 {n}",
    no_camera: "카메라를 켤 수 없어요. 직원에게 알려 주세요. 카드로만 타셔도 돼요.",
    "err.no_face": "사진에서 얼굴을 찾지 못했어요. 카메라를 똑바로 보고 다시 찍어 주세요.",
    "err.multiple_faces": "사진에 두 사람 이상이 보여요. 혼자 찍어 주세요.",
    "err.face_too_small": "얼굴이 너무 작게 찍혔어요. 카메라에 조금 더 가까이 와서 다시 찍어 주세요.",
    "err.not_an_image": "사진을 읽지 못했어요. 다시 찍어 주세요.",
    "err.image_too_large": "사진이 너무 커요. 다시 찍어 주세요.",
    "err.photos_differ": "사진마다 다른 사람으로 보여요. 본인만 다시 찍어 주세요.",
    "err.photo_count": "사진을 1장에서 3장까지 찍어 주세요.",
    "err.other": "등록하지 못했어요. 다시 해 보시거나 직원에게 문의해 주세요.",
    "err.offline": "인터넷이 연결되지 않았어요. 잠시 후 다시 해 주세요.",
    working_title: "처리하고 있어요", working_text: "잠시만 기다려 주세요.",
    done_face_title: "얼굴 등록이 끝났어요", done_face_text: "이제 버스에서 카드를 찍고 카메라를 잠깐 봐 주세요.",
    done_expires: "{date}까지 보관하고 그 뒤에 자동으로 지워요.",
    erase_now: "방금 등록한 얼굴 지우기",
    say_done_face: "얼굴 등록이 끝났어요. 버스에서 카드를 찍고 카메라를 잠깐 봐 주세요.",
    done_card_title: "카드가 등록되었어요", done_card_text: "얼굴 등록 없이 카드만으로 버스를 탈 수 있어요.",
    say_done_card: "카드가 등록되었어요. 카드만으로 버스를 타실 수 있어요.",
    erase_title: "등록한 얼굴 지우기", erase_label: "교통카드를 대 주세요 (카드 번호)", erase_submit: "얼굴 정보 지우기",
    say_erase: "얼굴 정보를 지우려면 교통카드를 대 주세요.",
    erase_unknown: "이 카드로 등록된 정보를 찾지 못했어요. 직원에게 문의해 주세요.",
    erase_none: "이 카드로는 보관 중인 얼굴 정보가 없어요. 지울 것이 없어요.",
    erase_failed: "지금 이 키오스크에서는 지울 수 없어요. 직원에게 카드를 보여 주시면 바로 지워 드려요.",
    erased_title: "얼굴 정보를 지웠어요",
    erased_text: "보관하던 얼굴 정보를 모두 지웠어요. 카드로는 계속 버스를 탈 수 있어요.",
    say_erased: "얼굴 정보를 모두 지웠어요.",
  },
  en: {
    title: "Face enrolment for the bus", place: "Face enrolment for the bus", switch_lang: "한국어", sound: "Sound",
    setup_title: "This kiosk needs setting up", setup_text: "Please tell a member of staff.",
    setup_label: "Pairing code or device key (staff)", save: "Save", next: "Next", finish: "Finish", start_over: "Start over",
    help_staff: "If you need help, please call a member of staff.", card_only: "Ride with my card only, no face",
    welcome_title: "Show it's you on the bus, by face",
    welcome_text: "When you tap a concession card, a camera checks that you are its holder. Enrolling is optional.",
    start_face: "Enrol my face", start_erase: "Erase my face data",
    say_welcome: "This kiosk enrols your face for the bus. It is optional: you can always ride with your card only.",
    about_title: "What do we keep?",
    about_1: "We keep no photos: only numbers describing your face, encrypted.",
    about_2: "They are used only to check, on the bus, that the person tapping the card is its holder.",
    about_3: "They are kept for 5 years and then erased automatically. You can erase them here at any time.",
    about_4: "Without enrolling you can still ride with your card.",
    say_about: "We keep no photos, only encrypted numbers describing your face, used only to check your card, and you can erase them at any time.",
    card_title: "Please tap your transport card", card_label: "Card number", concession_label: "What kind of card is it?",
    c_senior: "Senior (70+)", c_disability: "Disability", c_student: "Student", c_none: "Standard",
    mobility: "I need help getting on and off (wheelchair, cane...). The driver will be told.",
    say_card: "Please tap your transport card on the reader.",
    card_missing: "The card number could not be read. Please tap your card again.",
    card_taken: "This card is already registered. Please ask a member of staff.",
    card_invalid: "That card number is not valid. Please tap again.",
    consent_title: "Consent to face data (optional)",
    consent_1: "What: numbers describing your face. No photo is kept.",
    consent_2: "Why: to check on the bus that a concession card is used by its holder.",
    consent_3: "How long: 5 years, or until you erase it.",
    consent_4: "If you do not agree, you can still ride with your card, with no disadvantage.",
    consent_check: "I have been told the above and I agree to my face data being collected.",
    consent_ident: "(A separate choice) If I board without my card, the buses of the routes below may look for my face.",
    birth_label: "Date of birth (optional, e.g. 1950-03-02). Used only so that you alone can erase your face data later.",
    erase_birth_label: "To check it is you: the date of birth you gave when enrolling (e.g. 1950-03-02)",
    erase_refused: "We could not check it is you. Bring your ID to a member of staff and they will erase it.",
    routes_label: "Bus numbers you ride often (optional, separated by commas)",
    routes_hint: "If you give them, on those routes only the camera may recognise you when you forget your card.",
    consent_yes: "Agree and take photos", consent_no: "Don't agree: card only",
    say_consent: "If you agree, tick the box and press Agree and take photos. You do not have to agree.",
    camera_title: "Take photos", camera_view: "Camera view",
    camera_text: "Put your face in the middle of the screen, on your own. You can take 1 to 3 photos.",
    say_camera: "Look at the camera and press Take photo.",
    capture: "Take photo", retake: "Take them again", enrol: "Enrol", photo_count: "Photos taken: {n} of up to 3",
    photo_alt: "Photo {n}",
    no_camera: "The camera cannot be started. Please tell a member of staff. You can ride with your card only.",
    "err.no_face": "We could not find a face in the photo. Look straight at the camera and take it again.",
    "err.multiple_faces": "There is more than one person in the photo. Please take it on your own.",
    "err.face_too_small": "Your face is too small in the photo. Come a little closer and take it again.",
    "err.not_an_image": "The photo could not be read. Please take it again.",
    "err.image_too_large": "The photo is too large. Please take it again.",
    "err.photos_differ": "The photos seem to show different people. Please take them again, on your own.",
    "err.photo_count": "Please take 1 to 3 photos.",
    "err.other": "Enrolment did not work. Please try again or ask a member of staff.",
    "err.offline": "There is no internet connection. Please try again shortly.",
    working_title: "Working on it", working_text: "One moment, please.",
    done_face_title: "Your face is enrolled", done_face_text: "On the bus, tap your card and look at the camera for a moment.",
    done_expires: "Kept until {date}, then erased automatically.",
    erase_now: "Erase the face I just enrolled",
    say_done_face: "Your face is enrolled. On the bus, tap your card and look at the camera for a moment.",
    done_card_title: "Your card is registered", done_card_text: "You can ride with your card only, without a face.",
    say_done_card: "Your card is registered. You can ride with your card only.",
    erase_title: "Erase my face data", erase_label: "Tap your transport card (card number)", erase_submit: "Erase face data",
    say_erase: "To erase your face data, tap your transport card.",
    erase_unknown: "Nothing is registered with this card. Please ask a member of staff.",
    erase_none: "No face data is kept for this card. There is nothing to erase.",
    erase_failed: "It cannot be erased at this kiosk just now. Show your card to a member of staff and they will erase it at once.",
    erased_title: "Your face data is erased",
    erased_text: "All the face data we kept is erased. You can still ride with your card.",
    say_erased: "All your face data is erased.",
  },
};

const Enrol = (() => {
  const $ = (id) => document.getElementById(id);
  const P = Screens.params;
  const STORAGE = "aicity.enrolKiosk.key";
  const MAX_PHOTOS = 3;
  const IDLE_RESET_MS = Number(P.get("idle_s") ?? 180) * 1000;
  let key = null;
  let state = null;
  let stream = null;
  let idleTimer = null;

  function freshState() {
    return { mode: "face", card_id: null, concession: "senior", mobility: false, routes: [], rider_id: null,
             card_linked: false, photos: [], identification: false, birth_date: null, proof: null };
  }

  const api = (method, path, opts) => Screens.api(key, method, path, opts);

  function show(name, opts) {
    $("start-over").hidden = ["welcome", "setup"].includes(name);
    $("card-only").hidden = ["setup", "done-card", "erased", "erase"].includes(name);
    if (name !== "camera") stopCamera();
    Screens.show(name, opts);
    armIdle();
  }

  function armIdle() {
    clearTimeout(idleTimer);
    if (["welcome", "setup"].includes(Screens.screen())) return;
    idleTimer = setTimeout(startOver, IDLE_RESET_MS);
  }

  function startOver() {
    dropPhotos();
    stopCamera();
    state = freshState();
    document.querySelectorAll("form").forEach((f) => f.reset());
    document.querySelectorAll(".message.warn").forEach((m) => { m.hidden = true; });
    $("consent-yes").disabled = true;
    show("welcome");
  }

  function showError(el, text) {
    el.textContent = text;
    el.hidden = false;
    Screens.speak(text);
  }

  // ---- rider and card -----------------------------------------------------------------------------------
  function errorText(res, fallback) {
    if (!res) return Screens.t("err.offline");
    const code = res.body && res.body.error;
    if (code && TEXTS.ko["err." + code]) return Screens.t("err." + code);
    if (code === "card_taken" || res.status === 409) return Screens.t("card_taken");
    if (res.status === 422 && code && code.includes("card")) return Screens.t("card_invalid");
    return Screens.t(fallback || "err.other");
  }

  // Creates the rider and links the card once; later steps (a retaken photo) reuse them.
  async function ensureRiderAndCard() {
    if (!state.rider_id) {
      const body = { mobility_needs: state.mobility, regular_routes: state.identification ? state.routes : [] };
      if (state.birth_date) body.birth_date = state.birth_date;
      const res = await api("POST", "/v1/riders", { json: body });
      if (!res.ok) return res;
      state.rider_id = res.body.id;
    }
    if (!state.card_linked) {
      const res = await api("POST", "/v1/cards", { json: { card_id: state.card_id, rider_id: state.rider_id,
                                                            concession: state.concession } });
      if (!res.ok) return res;
      state.card_linked = true;
    }
    return null;
  }

  function onCard(event) {
    event.preventDefault();
    const cardId = $("card-id").value.trim();
    if (!cardId) {
      showError($("card-error"), Screens.t("card_missing"));
      return;
    }
    if (!/^[A-Za-z0-9_-]{4,40}$/.test(cardId)) {
      showError($("card-error"), Screens.t("card_invalid"));
      return;
    }
    $("card-error").hidden = true;
    state.card_id = cardId;
    state.concession = document.querySelector("input[name=concession]:checked").value;
    state.mobility = $("mobility").checked;
    if (state.mode === "card") {
      finishCardOnly();
    } else {
      show("consent");
    }
  }

  async function finishCardOnly() {
    show("working");
    let failure;
    try {
      failure = await ensureRiderAndCard();
    } catch (e) {
      failure = null;
      show("card");
      showError($("card-error"), Screens.t("err.offline"));
      return;
    }
    if (failure) {
      show("card");
      showError($("card-error"), errorText(failure));
      return;
    }
    show("done-card");
  }

  function cardOnly() {
    // From anywhere: the card-only path. If the card is already known, finish at once.
    dropPhotos();
    state.mode = "card";
    if (state.card_id) {
      finishCardOnly();
    } else {
      show("card");
    }
  }

  // Consent given: the rider and the card are registered now (so the card works whatever the photos do).
  async function onConsent() {
    if (!$("consent-check").checked) return;
    state.routes = $("routes").value.split(/[,\s]+/).map((x) => x.trim()).filter(Boolean).slice(0, 20);
    state.identification = $("consent-ident").checked;
    const birth = $("birth-date").value.trim();
    state.birth_date = /^\d{4}-\d{2}-\d{2}$/.test(birth) ? birth : null;
    show("working");
    let failure;
    try {
      failure = await ensureRiderAndCard();
    } catch (e) {
      failure = { status: 0, body: { error: "offline" } };
    }
    if (failure) {
      show("card");
      showError($("card-error"), errorText(failure));
      return;
    }
    openCamera();
  }

  // ---- camera ------------------------------------------------------------------------------------------
  async function openCamera() {
    show("camera");
    renderPhotos();
    $("camera-error").hidden = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" }, audio: false,
      });
      $("video").srcObject = stream;
      await $("video").play().catch(() => {});
      $("capture").disabled = state.photos.length >= MAX_PHOTOS;
    } catch (e) {
      $("capture").disabled = true;
      showError($("camera-error"), Screens.t("no_camera"));
    }
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
  }

  async function capture() {
    const video = $("video");
    if (!video.videoWidth || state.photos.length >= MAX_PHOTOS) return;
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    const blob = await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.92));
    state.photos.push({ blob, url: URL.createObjectURL(blob) });
    $("camera-error").hidden = true;
    renderPhotos();
    armIdle();
  }

  function dropPhotos() {
    if (!state) return;
    state.photos.forEach((p) => URL.revokeObjectURL(p.url));
    state.photos = [];
  }

  function renderPhotos() {
    const n = state.photos.length;
    $("thumbs").replaceChildren(...state.photos.map((p, i) => {
      const img = document.createElement("img");
      img.src = p.url;
      img.alt = Screens.t("photo_alt", { n: i + 1 });
      return img;
    }));
    $("photo-count").textContent = Screens.t("photo_count", { n });
    $("enrol").disabled = n === 0;
    $("retake").disabled = n === 0;
    $("capture").disabled = n >= MAX_PHOTOS || !stream;
  }

  async function enrol() {
    if (!state.photos.length) return;
    $("enrol").disabled = true;
    $("capture").disabled = true;
    let failure = null;
    let res = null;
    try {
      failure = await ensureRiderAndCard();
      if (!failure) {
        const form = new FormData();
        state.photos.forEach((p, i) => form.append("photos", p.blob, `photo-${i + 1}.jpg`));
        form.append("consent_version", CONSENT_VERSION);
        form.append("consent_card_check", "true"); // asked on the consent screen (required to keep a face)
        form.append("consent_identification", state.identification ? "true" : "false"); // asked separately
        res = await api("PUT", `/v1/riders/${state.rider_id}/face`, { form, timeoutMs: 60000 });
        if (!res.ok) failure = res;
      }
    } catch (e) {
      failure = null;
      showError($("camera-error"), Screens.t("err.offline"));
      renderPhotos();
      return;
    }
    if (failure) {
      // a refused photo: say why in plain words and take them again (the photos are dropped)
      dropPhotos();
      renderPhotos();
      const box = $("camera-error");
      box.dataset.code = (failure.body && failure.body.error) || String(failure.status);
      showError(box, errorText(failure));
      return;
    }
    // one photo stays in memory (never sent anywhere else) until the screen resets: the proof for "erase now"
    state.proof = state.photos[0].blob;
    dropPhotos();
    const expires = res.body && res.body.expires_at ? new Date(res.body.expires_at) : null;
    $("done-expires").textContent = expires
      ? Screens.t("done_expires", { date: expires.toLocaleDateString(Screens.getLang() === "en" ? "en-GB" : "ko-KR") })
      : "";
    show("done-face");
  }

  // ---- erasure -----------------------------------------------------------------------------------------
  // Erasure only by the person (POST /v1/face-erasures): the card and either the face (just after enrolment,
  // the photo taken a moment ago) or the date of birth given at enrolment. Every attempt is recorded.
  async function eraseByPerson(cardId, { photo, birthDate }) {
    const form = new FormData();
    form.append("card_id", cardId);
    if (photo) form.append("photo", photo, "proof.jpg");
    if (birthDate) form.append("birth_date", birthDate);
    return api("POST", "/v1/face-erasures", { form, timeoutMs: 60000 });
  }

  async function eraseNow() {
    show("working");
    try {
      const res = await eraseByPerson(state.card_id, { photo: state.proof, birthDate: state.birth_date });
      if (!res.ok) throw new Error(String(res.status));
      show("erased");
    } catch (e) {
      show("done-face");
    }
  }

  async function onErase(event) {
    event.preventDefault();
    const cardId = $("erase-card").value.trim();
    const birthDate = $("erase-birth").value.trim();
    const box = $("erase-error");
    box.hidden = true;
    if (!cardId) return;
    try {
      const card = await api("GET", `/v1/cards/${encodeURIComponent(cardId)}`);
      if (!card.ok) {
        const code = card.body && card.body.error;
        showError(box, Screens.t(code === "card_not_found" ? "erase_unknown" : "erase_failed"));
        return;
      }
      const rider = await api("GET", `/v1/riders/${card.body.rider_id}`);
      if (rider.ok && !rider.body.face_enrolled && !rider.body.needs_reenrolment) {
        showError(box, Screens.t("erase_none"));
        return;
      }
      if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) {
        showError(box, Screens.t("erase_refused"));
        return;
      }
      const res = await eraseByPerson(cardId, { birthDate });
      if (!res.ok) {
        showError(box, Screens.t(res.status === 403 ? "erase_refused" : "erase_failed"));
        return;
      }
      show("erased");
    } catch (e) {
      showError(box, Screens.t("err.offline"));
    }
  }

  // ---- wiring ------------------------------------------------------------------------------------------
  function start() {
    key = Screens.init(TEXTS, { storageName: STORAGE, langButton: $("lang-button"), speechButton: $("speech-button") });
    Screens.onLang(() => {
      if (state) renderPhotos();
    });
    state = freshState();
    $("setup-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const value = $("setup-key").value.trim();
      if (!value) return;
      const paired = await Screens.provision(STORAGE, value);  // a pairing code or a key
      $("setup-key").value = "";
      $("setup-key").setAttribute("aria-invalid", paired ? "false" : "true");
      if (!paired) return;
      key = paired;
      startOver();
    });
    $("start-face").addEventListener("click", () => {
      state.mode = "face";
      show("about");
    });
    $("start-erase").addEventListener("click", () => show("erase"));
    $("about-next").addEventListener("click", () => show("card"));
    $("card-form").addEventListener("submit", onCard);
    $("consent-check").addEventListener("change", (e) => {
      $("consent-yes").disabled = !e.target.checked;
    });
    $("consent-yes").addEventListener("click", onConsent);
    $("consent-no").addEventListener("click", cardOnly);
    $("capture").addEventListener("click", capture);
    $("retake").addEventListener("click", () => {
      dropPhotos();
      renderPhotos();
    });
    $("enrol").addEventListener("click", enrol);
    $("erase-now").addEventListener("click", eraseNow);
    $("erase-form").addEventListener("submit", onErase);
    $("card-only").addEventListener("click", cardOnly);
    $("start-over").addEventListener("click", startOver);
    document.querySelectorAll("button.finish").forEach((b) => b.addEventListener("click", startOver));
    document.addEventListener("pointerdown", armIdle);
    document.addEventListener("keydown", armIdle);
    if (!key) {
      show("setup");
      return;
    }
    startOver();
  }

  return { start, state: () => state };
})();

window.EnrolApp = Enrol;
document.addEventListener("DOMContentLoaded", Enrol.start);
