// Shared helpers of the citizen screens: device key, API calls, Korean/English text, speech, screen switching.
// (The transit service serves an identical copy: services never import one another, so each serves its own.)
"use strict";

const Screens = (() => {
  const params = new URLSearchParams(location.search);
  let texts = { ko: {}, en: {} };
  let lang = "ko";
  let currentScreen = null;
  let speechOn = true;
  const langListeners = [];

  // ---- device key -------------------------------------------------------------------------------------
  // No device key ever travels in an address: a `?key=` in the query string is ignored (it would already have
  // reached the server's and proxies' logs) and removed from the address bar; the screen asks to be paired.
  // Staff open the screen with a one-time pairing code in the URL fragment (`#pair=K7QM-4XRT`, printed by
  // `aicity up`; browsers never send the fragment to a server): the fragment is removed from the address bar and
  // history at once, and the code is typed into the screen's own set-up form (#setup-form, #setup-key) as staff
  // would, which exchanges it for the key (provision below). Later loads use the key kept in localStorage.
  let pendingCode = null;
  function takeAddress() {
    const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
    pendingCode = hash.get("pair");
    if (!pendingCode && !params.has("key")) return;
    params.delete("key");
    hash.delete("pair");
    const rest = params.toString();
    const fragment = hash.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + (fragment ? "#" + fragment : ""));
  }

  function deviceKey(storageName) {
    takeAddress();
    if (pendingCode) {
      const code = pendingCode;
      setTimeout(() => {  // once the screen has wired its set-up form
        const form = document.getElementById("setup-form");
        const input = document.getElementById("setup-key");
        if (!form || !input) return;
        input.value = code;
        form.requestSubmit();
      }, 0);
      return null;  // the screen shows its set-up form until the code is exchanged
    }
    return localStorage.getItem(storageName);
  }

  // ---- pairing ------------------------------------------------------------------------------------------
  // Staff type the one-time pairing code (`aicity device pair DEVICE_ID`, e.g. K7QM-4XRT) into the set-up form
  // (or open the screen with it in the fragment, above);
  // the screen exchanges it for its device key (POST /v1/auth/pair) and keeps the key in localStorage, so no
  // key travels in an address. A full key pasted into the form is still kept as it is.
  const PAIRING_CODE = /^[A-Za-z0-9]{4}[- ]?[A-Za-z0-9]{4}$/;
  async function provision(storageName, value) {
    let key = value;
    if (PAIRING_CODE.test(value)) {
      const form = new FormData();
      form.append("code", value);
      const r = await fetch("/v1/auth/pair", { method: "POST", body: form, headers: { Accept: "application/json" } });
      if (!r.ok) return null;
      key = (await r.json()).device_key;
    }
    localStorage.setItem(storageName, key);
    return key;
  }

  // Wires the screen's set-up form: what staff type (a code or a key) is exchanged and kept; a refused one marks
  // the field invalid; `onPaired(key)` runs once the key is kept.
  function wirePairing(storageName, onPaired) {
    const input = document.getElementById("setup-key");
    document.getElementById("setup-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      const paired = await provision(storageName, value);
      input.value = "";
      input.setAttribute("aria-invalid", paired ? "false" : "true");
      if (paired) onPaired(paired);
    });
  }

  class NetworkError extends Error {}

  // fetch with the bearer key; resolves {ok, status, body}; rejects with NetworkError when nothing came back.
  async function api(key, method, path, { json, form, timeoutMs = 15000 } = {}) {
    // X-Device-Time: this device's clock, so the service can report its skew (README "Sync protocol")
    const headers = { Authorization: "Bearer " + key, Accept: "application/json", "X-Device-Time": new Date().toISOString() };
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form !== undefined) {
      body = form;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response;
    try {
      response = await fetch(path, { method, headers, body, signal: controller.signal, cache: "no-store" });
    } catch (err) {
      throw new NetworkError(String(err));
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    return { ok: response.ok, status: response.status, body: data };
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // ---- text -------------------------------------------------------------------------------------------
  function setTexts(t) {
    texts = t;
  }

  function t(name, vars = {}) {
    let s = (texts[lang] && texts[lang][name]) ?? (texts.ko && texts.ko[name]) ?? name;
    for (const [k, v] of Object.entries(vars)) s = s.split("{" + k + "}").join(String(v));
    return s;
  }

  function applyTexts(root = document) {
    root.querySelectorAll("[data-t]").forEach((el) => {
      el.textContent = t(el.dataset.t);
    });
    root.querySelectorAll("[data-t-label]").forEach((el) => {
      el.setAttribute("aria-label", t(el.dataset.tLabel));
    });
    root.querySelectorAll("[data-t-placeholder]").forEach((el) => {
      el.setAttribute("placeholder", t(el.dataset.tPlaceholder));
    });
  }

  function setLang(next) {
    lang = next === "en" ? "en" : "ko";
    document.documentElement.lang = lang;
    localStorage.setItem("aicity.screens.lang", lang);
    applyTexts();
    if (texts[lang] && texts[lang].title) document.title = texts[lang].title;
    langListeners.forEach((fn) => fn(lang));
  }

  function onLang(fn) {
    langListeners.push(fn);
  }

  function getLang() {
    return lang;
  }

  // ---- speech -----------------------------------------------------------------------------------------
  function speak(text) {
    if (!speechOn || !text || !("speechSynthesis" in window)) return;
    try {
      window.speechSynthesis.cancel();
      const u = new SpeechSynthesisUtterance(text);
      u.lang = lang === "en" ? "en-US" : "ko-KR";
      u.rate = 0.85; // slower for older listeners
      window.speechSynthesis.speak(u);
    } catch (_) {
      /* a browser without voices stays silent; the words are on the screen */
    }
  }

  function toggleSpeech() {
    speechOn = !speechOn;
    if (!speechOn && "speechSynthesis" in window) window.speechSynthesis.cancel();
    return speechOn;
  }

  // ---- screens ----------------------------------------------------------------------------------------
  // <section data-screen="name" data-say="textName"> ... <h1 tabindex="-1"> ... </section>
  function show(name, { say } = {}) {
    document.querySelectorAll("[data-screen]").forEach((el) => {
      el.hidden = el.dataset.screen !== name;
    });
    currentScreen = name;
    document.body.dataset.current = name;
    const el = document.querySelector(`[data-screen="${name}"]`);
    if (!el) return;
    const heading = el.querySelector("h1, h2");
    if (heading) {
      if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
    const words = say !== undefined ? say : el.dataset.say ? t(el.dataset.say) : "";
    speak(words);
  }

  function screen() {
    return currentScreen;
  }

  function init(textTable, { storageName, langButton, speechButton } = {}) {
    setTexts(textTable);
    const saved = params.get("lang") || localStorage.getItem("aicity.screens.lang") || "ko";
    setLang(saved);
    if (langButton) {
      langButton.addEventListener("click", () => setLang(lang === "ko" ? "en" : "ko"));
    }
    if (speechButton) {
      speechButton.addEventListener("click", () => {
        const on = toggleSpeech();
        speechButton.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }
    return storageName ? deviceKey(storageName) : null;
  }

  return {
    params, api, uuid, t, setTexts, setLang, getLang, onLang, applyTexts, speak, show, screen, init,
    NetworkError, deviceKey, provision, wirePairing,
  };
})();
