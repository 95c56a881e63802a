// The catalogue and the application form: tracks with partner hiring, cohorts with dates, seats left and
// prerequisites; apply with consent; then the application number and the personal status link.
"use strict";

let catalogue = null;
let chosen = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

function render() {
  const root = document.getElementById("tracks");
  root.textContent = "";
  if (!catalogue) return;
  const ko = Screens.getLang() === "ko";
  for (const track of catalogue.tracks) {
    const offerings = catalogue.offerings.filter((o) => o.track_id === track.id);
    const section = el("section", { class: "track", "data-track": track.id, "aria-label": track.name });
    section.append(el("h2", { text: ko ? (track.name_ko || track.name) : track.name }));
    const hiring = el("p", { class: "muted" });
    hiring.append(Screens.t("hiring") + ": ");
    if (track.hiring.length) {
      for (const h of track.hiring) hiring.append(el("span", { class: "tag", text: `${h.company} · ${h.title} (${h.seats})` }));
    } else hiring.append(Screens.t("no_hiring"));
    section.append(hiring);
    const cards = el("div", { class: "cards" });
    if (!offerings.length) cards.append(el("p", { text: Screens.t("no_cohorts") }));
    for (const o of offerings) {
      const card = el("article", { class: "card", "data-offering": String(o.id) });
      card.append(el("h3", { text: `${o.course_title} · ${o.cohort}` }));
      const dl = el("dl");
      const row = (k, v) => { dl.append(el("dt", { text: Screens.t(k) }), el("dd", { text: v })); };
      row("dates", `${fmtDate(o.starts_on)} – ${fmtDate(o.ends_on)}`);
      row("apply_window", `${fmtDate(o.opens_at)} – ${fmtDate(o.closes_at)}`);
      row("prereq", o.prerequisites.length ? o.prerequisites.join(", ") : Screens.t("none"));
      card.append(dl);
      card.append(el("p", { class: "seats", text: o.seats_left > 0 ? Screens.t("seats_left", { n: o.seats_left })
        : Screens.t("seats_full", { w: o.waitlist_count }) }));
      card.append(el("p", { class: "muted", text: Screens.t("window_" + o.window) }));
      const button = el("button", { type: "button", class: o.window === "open" ? "" : "secondary",
        text: Screens.t("apply") });
      button.addEventListener("click", () => openForm(o));
      card.append(button);
      cards.append(card);
    }
    section.append(cards);
    root.append(section);
  }
}

function openForm(o) {
  chosen = o;
  const panel = document.getElementById("apply-offering");
  panel.textContent = `${o.course_title} · ${o.cohort} · ${fmtDate(o.starts_on)} – ${fmtDate(o.ends_on)}`;
  document.getElementById("apply-error").hidden = true;
  Screens.show("apply");
  window.scrollTo(0, 0);
}

async function load() {
  const r = await academyApi("GET", "/v1/public/catalogue");
  const box = document.getElementById("load-error");
  if (!r.ok) { box.textContent = academyError(r.body); box.hidden = false; return; }
  box.hidden = true;
  catalogue = r.body;
  render();
}

async function submit(event) {
  event.preventDefault();
  const box = document.getElementById("apply-error");
  const button = document.getElementById("apply-submit");
  const val = (id) => document.getElementById(id).value.trim();
  const body = {
    offering_id: chosen.id, name: document.getElementById("f-name").value, birth_date: val("f-birth"),
    residence: val("f-residence") || "-", contact: val("f-contact"),
    skills: val("f-skills").split(",").map((s) => s.trim()).filter(Boolean),
    consent_privacy: document.getElementById("f-consent").checked,
    consent_to_share: document.getElementById("f-share").checked,
  };
  if (!body.consent_privacy) { box.textContent = Screens.t("err.consent_required"); box.hidden = false; return; }
  if (!body.birth_date || !body.contact) { box.textContent = Screens.t("err.validation_error"); box.hidden = false; return; }
  button.disabled = true;
  button.textContent = Screens.t("sending");
  const r = await academyApi("POST", "/v1/public/applications", { json: body });
  button.disabled = false;
  button.textContent = Screens.t("submit");
  if (!r.ok) { box.textContent = academyError(r.body); box.hidden = false; box.focus?.(); return; }
  const s = r.body;
  const link = `${location.origin}/screens/academy/status#t=${encodeURIComponent(s.token)}`;
  sessionStorage.setItem("academy.token", s.token);
  document.getElementById("done-status").textContent = statusSentence(s);
  document.getElementById("done-no").textContent = s.application_no;
  document.getElementById("done-link").textContent = link;
  document.getElementById("done-open").setAttribute("href", link);
  Screens.show("done");
  load();
}

Screens.init(ACADEMY_TEXTS, { langButton: document.getElementById("lang-button") });
Screens.onLang(render);
document.getElementById("apply-form").addEventListener("submit", submit);
document.getElementById("apply-back").addEventListener("click", () => Screens.show("list"));
document.getElementById("done-back").addEventListener("click", () => Screens.show("list"));
Screens.show("list");
load();
