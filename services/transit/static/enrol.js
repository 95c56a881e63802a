// The face-enrolment kiosk: what is kept and why, the card and its concession, a separate biometric consent,
// 1-3 photos from the camera, and erasure. A card-only path is on every screen. Photos live only in this page's
// memory until they are sent; the service keeps templates, never photos.
"use strict";

const CONSENT_VERSION = "transit-face-2025-07";

// TEXTS: the catalogue's transit_enrol surface (services/common/i18n/transit_enrol.json), loaded before this script.

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
    Screens.wirePairing(STORAGE, (paired) => {  // a pairing code or a key
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
