// Words of the academy's applicant pages: Korean first (존댓말 -요), English switchable.
"use strict";

const ACADEMY_TEXTS = {
  ko: {
    title: "AI 미래인재 아카데미", place: "AI 미래인재 아카데미", switch_lang: "English", my_status: "내 지원 확인",
    list_title: "과정을 고르고 지원하세요",
    list_text: "포항에서 12주 동안 배우는 무료 과정이에요. 수료하면 협력 기업 채용에 추천받을 수 있어요.",
    hiring: "이 분야에서 채용하는 협력 기업", no_hiring: "지금 올라온 채용은 없어요.",
    no_cohorts: "지금 지원할 수 있는 기수가 없어요.",
    dates: "기간", apply_window: "지원 기간", seats: "남은 자리", prereq: "먼저 들어야 하는 과정", none: "없음",
    seats_left: "{n}자리 남았어요", seats_full: "자리가 다 찼어요. 지원하면 대기 순번을 드려요 (대기 {w}명).",
    window_open: "지원 받는 중", window_not_open: "아직 지원 기간이 아니에요", window_closed: "지원이 끝났어요",
    apply: "이 기수에 지원하기", apply_title: "지원서 쓰기",
    f_name: "이름", f_birth: "생년월일", f_residence: "사는 곳 (시)", f_contact: "연락처 (휴대전화 또는 이메일)",
    f_skills: "할 줄 아는 것 (쉼표로 구분, 선택)", f_skills_hint: "예: python, 엑셀",
    consent_text: "모으는 정보: 이름, 생년월일, 사는 곳, 연락처, 할 줄 아는 것. 쓰는 곳: 선발, 대기 순서, 자리 제안 연락, 수료 관리. 보관: 과정이 끝나고 지워 달라고 하실 때까지이며, 지운 뒤에는 이름 없는 통계만 남아요.",
    consent_check: "위 내용에 동의해요 (필수)",
    share_check: "수료 후 협력 기업이 내 기술과 평가 점수를 보고 채용을 제안해도 좋아요 (선택, 언제든 철회할 수 있어요)",
    submit: "지원하기", back: "목록으로", sending: "보내는 중이에요…",
    done_title: "지원을 받았어요", app_no: "지원번호",
    done_keep: "이 번호와 생년월일로 언제든 내 지원 상태를 볼 수 있어요. 아래 개인 링크를 저장해 두세요.",
    open_status: "내 지원 상태 보기",
    st_enrolled: "등록되었어요. {start}에 시작해요.",
    st_waitlisted: "대기 {n}번이에요. 자리가 나면 바로 알려 드려요.",
    st_offered: "자리가 났어요! {deadline}까지 수락하거나 거절해 주세요.",
    st_withdrawn: "지원을 취소했어요.", st_declined: "제안을 거절했어요.", st_expired: "제안 기한이 지나 자리가 다음 분께 넘어갔어요.",
    st_completed: "수료했어요. 축하드려요!", st_locked: "먼저 들어야 하는 과정({c})을 마치기 전에는 일부 수업이 잠겨 있어요.",
    status_title: "내 지원 상태", lookup_title: "지원번호로 찾기",
    lookup_text: "지원할 때 받은 지원번호와 생년월일을 넣어 주세요. 비밀번호는 필요 없어요.",
    accept: "자리 받기", decline: "거절하기", withdraw: "지원 취소하기",
    confirm_withdraw: "정말 취소할까요? 취소하면 자리나 대기 순번이 다음 분께 넘어가요.",
    find: "찾기", course: "과정", cohort: "기수", share_yes: "협력 기업에 프로필 공개: 동의함",
    share_no: "협력 기업에 프로필 공개: 동의 안 함",
    "err.already_applied": "이미 이 기수에 지원하셨어요. 지원번호로 상태를 확인해 주세요.",
    "err.prerequisites_missing": "먼저 들어야 하는 과정({c})을 아직 마치지 않으셔서 지원할 수 없어요.",
    "err.enrolment_closed": "이 기수는 지원이 끝났어요. 다음 기수를 골라 주세요.",
    "err.enrolment_not_open": "이 기수는 아직 지원을 받지 않아요. 지원 기간에 다시 와 주세요.",
    "err.not_eligible": "지원 조건에 맞지 않아요: {d}",
    "err.consent_required": "개인정보 이용에 동의하셔야 지원할 수 있어요.",
    "err.invalid_name": "이름을 글자로 적어 주세요 (빈칸이나 특수 기호만으로는 안 돼요).",
    "err.waitlist_full": "자리도 대기 순번도 다 찼어요. 다음 기수를 골라 주세요.",
    "err.waitlist_frozen": "과정이 이미 시작해서 대기 순번을 받을 수 없어요.",
    "err.validation_error": "빠진 칸이 있어요. 이름, 생년월일, 연락처를 확인해 주세요.",
    "err.application_not_found": "이 지원번호와 생년월일로 찾은 지원이 없어요. 다시 확인해 주세요.",
    "err.rate_limited": "너무 여러 번 시도하셨어요. 잠시 뒤에 다시 해 주세요.",
    "err.link_invalid": "이 링크로는 지원을 찾을 수 없어요. 지원번호와 생년월일로 찾아 주세요.",
    "err.no_offer": "지금은 받을 수 있는 제안이 없어요.", "err.offer_expired": "제안 기한이 지났어요.",
    "err.other": "처리하지 못했어요. 잠시 뒤에 다시 해 주세요.", "err.offline": "인터넷 연결을 확인해 주세요.",
    rule_min_age: "나이 조건", rule_max_age: "나이 조건", rule_residency: "거주지 조건", rule_invitation_only: "초대받은 분만",
  },
  en: {
    title: "AI Future Talent Academy", place: "AI Future Talent Academy", switch_lang: "한국어", my_status: "My application",
    list_title: "Choose a course and apply",
    list_text: "Free 12-week courses in Pohang. Completers can be recommended to partner companies that hire.",
    hiring: "Partner companies hiring in this field", no_hiring: "No openings posted right now.",
    no_cohorts: "No cohort is taking applications right now.",
    dates: "Dates", apply_window: "Applications", seats: "Seats left", prereq: "Take first", none: "none",
    seats_left: "{n} seats left", seats_full: "All seats are taken. If you apply you get a waitlist place ({w} waiting).",
    window_open: "Taking applications", window_not_open: "Applications not open yet", window_closed: "Applications closed",
    apply: "Apply to this cohort", apply_title: "Application",
    f_name: "Name", f_birth: "Date of birth", f_residence: "City you live in", f_contact: "Phone or e-mail",
    f_skills: "What you can do (comma-separated, optional)", f_skills_hint: "e.g. python, spreadsheets",
    consent_text: "We collect your name, date of birth, city, contact and skills, to select applicants, keep the waitlist, tell you about a seat and track completion. We keep them until the programme has ended and you ask us to erase them; after that only anonymous counts remain.",
    consent_check: "I agree (required)",
    share_check: "After I complete, partner companies may see my skills and assessment score and offer me a job (optional; you can withdraw any time)",
    submit: "Apply", back: "Back to the list", sending: "Sending…",
    done_title: "We have your application", app_no: "Application number",
    done_keep: "With this number and your date of birth you can check your application any time. Keep the personal link below.",
    open_status: "See my application",
    st_enrolled: "You are enrolled. The course starts on {start}.",
    st_waitlisted: "You are number {n} on the waitlist. We tell you as soon as a seat frees.",
    st_offered: "A seat is free for you! Please accept or decline by {deadline}.",
    st_withdrawn: "You withdrew your application.", st_declined: "You declined the offer.",
    st_expired: "The offer lapsed and the seat went to the next person.",
    st_completed: "You completed the course. Congratulations!",
    st_locked: "Some lessons stay locked until you complete {c}.",
    status_title: "My application", lookup_title: "Find it by application number",
    lookup_text: "Enter the application number you got and your date of birth. No password needed.",
    accept: "Take the seat", decline: "Decline", withdraw: "Withdraw my application",
    confirm_withdraw: "Withdraw for sure? Your seat or waitlist place goes to the next person.",
    find: "Find", course: "Course", cohort: "Cohort", share_yes: "Profile shared with partners: yes",
    share_no: "Profile shared with partners: no",
    "err.already_applied": "You have already applied to this cohort. Check it with your application number.",
    "err.prerequisites_missing": "You need to complete {c} first, so you cannot apply yet.",
    "err.enrolment_closed": "Applications for this cohort have closed. Please choose a later cohort.",
    "err.enrolment_not_open": "This cohort is not taking applications yet. Please come back when it opens.",
    "err.not_eligible": "You do not meet a condition of this cohort: {d}",
    "err.consent_required": "You need to agree to the use of your details to apply.",
    "err.invalid_name": "Please write your name in letters (not only spaces or symbols).",
    "err.waitlist_full": "Seats and waitlist are both full. Please choose a later cohort.",
    "err.waitlist_frozen": "The course has started, so the waitlist is closed.",
    "err.validation_error": "Something is missing. Please check your name, date of birth and contact.",
    "err.application_not_found": "No application matches this number and date of birth. Please check them.",
    "err.rate_limited": "Too many tries. Please wait a moment and try again.",
    "err.link_invalid": "This link does not open an application. Find it by number and date of birth.",
    "err.no_offer": "There is no offer to answer right now.", "err.offer_expired": "The offer has lapsed.",
    "err.other": "That did not work. Please try again shortly.", "err.offline": "Please check your internet connection.",
    rule_min_age: "age", rule_max_age: "age", rule_residency: "residence", rule_invitation_only: "invited applicants only",
  },
};

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
