// Words of the academy's applicant pages: Korean first (존댓말 -요), English switchable.
"use strict";

// The words themselves: the catalogue's academy surface (services/common/i18n/academy.json), loaded as TEXTS.
const ACADEMY_TEXTS = TEXTS;

// Plain words for a refused request: the stable error code picks the sentence, the detail fills it in.
function academyError(body) {
  const code = (body && body.error) || "other";
  const detail = body && body.detail;
  const known = ACADEMY_TEXTS.ko["err." + code] !== undefined ? code : "other";
  const c = detail && detail.missing ? detail.missing.join(", ") : "";
  const d = Array.isArray(detail) ? detail.map((f) => Screens.t("rule_" + f.rule)).join(", ") : "";
  return Screens.t("err." + known, { c, d });
}

async function academyApi(method, path, { json, token } = {}) {
  const headers = { Accept: "application/json" };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers["X-Application-Token"] = token;
  let response;
  try {
    response = await fetch(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json),
      cache: "no-store" });
  } catch (_) {
    return { ok: false, status: 0, body: { error: "offline" } };
  }
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  return { ok: response.ok, status: response.status, body };
}

function fmtDate(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toLocaleString(Screens.getLang() === "en" ? "en-GB" : "ko-KR",
    { timeZone: "Asia/Seoul", year: "numeric", month: "long", day: "numeric",
      ...(String(iso).length > 10 ? { hour: "2-digit", minute: "2-digit" } : {}) });
}

function statusSentence(s) {
  if (s.completion_status === "completed") return Screens.t("st_completed");
  if (s.status === "enrolled") return Screens.t("st_enrolled", { start: fmtDate(s.starts_on) });
  if (s.status === "waitlisted") return Screens.t("st_waitlisted", { n: s.position });
  if (s.status === "offered") return Screens.t("st_offered", { deadline: fmtDate(s.offer_expires_at) });
  return Screens.t("st_" + s.status);
}
