// The applicant's own status page: by the personal link (#t=<token>, never sent to the server in the address)
// or by application number and birth date. Shows enrolled / waitlist position / an offer with its deadline,
// and lets the applicant accept, decline or withdraw.
"use strict";

let token = null;
let current = null;

function readToken() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const fromLink = hash.get("t");
  if (fromLink) {
    sessionStorage.setItem("academy.token", fromLink);
    history.replaceState(null, "", location.pathname + location.search);  // out of the address bar
  }
  return fromLink || sessionStorage.getItem("academy.token");
}

function draw(s) {
  current = s;
  document.getElementById("status-line").textContent = statusSentence(s);
  document.getElementById("status-line").className =
    "message " + (s.status === "offered" ? "notice" : ["enrolled"].includes(s.status) ? "ok" : "warn");
  document.getElementById("s-no").textContent = s.application_no;
  document.getElementById("s-course").textContent = `${s.course_title} · ${s.cohort}`;
  document.getElementById("s-dates").textContent = `${fmtDate(s.starts_on)} – ${fmtDate(s.ends_on)}`;
  const locked = document.getElementById("s-locked");
  locked.hidden = !s.content_locked;
  locked.textContent = s.content_locked ? Screens.t("st_locked", { c: s.missing_prerequisites.join(", ") }) : "";
  document.getElementById("s-share").textContent = Screens.t(s.consent_to_share ? "share_yes" : "share_no");
  document.getElementById("accept").hidden = s.status !== "offered";
  document.getElementById("decline").hidden = s.status !== "offered";
  document.getElementById("withdraw").hidden = !["waitlisted", "enrolled"].includes(s.status) || !!s.completion_status;
  document.body.dataset.status = s.status;
}

async function refresh() {
  const r = await academyApi("GET", "/v1/public/application", { token });
  if (!r.ok) {
    sessionStorage.removeItem("academy.token");
    token = null;
    Screens.show("lookup");
    if (r.status !== 401 || (r.body && r.body.error === "link_invalid")) {
      const box = document.getElementById("lookup-error");
      box.textContent = academyError(r.body);
      box.hidden = false;
    }
    return;
  }
  draw(r.body);
  if (Screens.screen() !== "status") Screens.show("status");
}

async function act(action) {
  if (action === "withdraw" && !window.confirm(Screens.t("confirm_withdraw"))) return;
  const box = document.getElementById("action-error");
  const r = await academyApi("POST", `/v1/public/application/${action}`, { token });
  if (!r.ok) { box.textContent = academyError(r.body); box.hidden = false; await refresh(); return; }
  box.hidden = true;
  draw(r.body);
}

async function lookup(event) {
  event.preventDefault();
  const box = document.getElementById("lookup-error");
  const r = await academyApi("POST", "/v1/public/applications/lookup", { json: {
    application_no: document.getElementById("l-no").value.trim(),
    birth_date: document.getElementById("l-birth").value } });
  if (!r.ok) { box.textContent = academyError(r.body.error ? r.body : { error: "application_not_found" }); box.hidden = false; return; }
  box.hidden = true;
  token = r.body.token;
  sessionStorage.setItem("academy.token", token);
  draw(r.body);
  Screens.show("status");
}

Screens.init(ACADEMY_TEXTS, { langButton: document.getElementById("lang-button") });
Screens.onLang(() => current && draw(current));
document.getElementById("lookup-form").addEventListener("submit", lookup);
for (const a of ["accept", "decline", "withdraw"]) document.getElementById(a).addEventListener("click", () => act(a));
token = readToken();
if (token) refresh(); else Screens.show("lookup");
setInterval(() => { if (token && document.visibilityState === "visible") refresh(); }, 20000);
