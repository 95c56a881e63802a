"""Escalation that reaches a person: the chain as data, the outbox written with each level, delivery through a
real SMTP server (aiosmtpd), retries with backoff, never twice even when the delivery run is killed mid-way."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from services.health_hubs.care.domain import escalation_deadlines, levels_due, next_escalation_at
from services.health_hubs.care.models import EscalationContact, Notification
from services.health_hubs.care.notifications import deliver_pending, escalate_overdue
from services.health_hubs.settings import HealthHubsSettings
from tests.health_hubs.mailbox import run_delivery

NURSE, NURSE2, OFFICER = "nurse.kim@bukgu.example", "nurse.lee@bukgu.example", "duty@bukgu-phc.example"


def settings_for(hub, box, **over) -> HealthHubsSettings:
    return HealthHubsSettings(database_url=hub.db.url, smtp_host=box.host, smtp_port=box.port, **over)


def add_contacts(hub):
    with Session(hub.db.engine) as s:
        s.add(EscalationContact(district="Buk-gu", level=1, name="김간호", address=NURSE))
        s.add(EscalationContact(district="Buk-gu", level=1, name="이간호", address=NURSE2))
        s.add(EscalationContact(district="Buk-gu", level=2, name="보건소 당직", address=OFFICER))
        s.add(EscalationContact(district="Nam-gu", level=1, name="남구 간호", address="nam@namgu.example"))
        s.commit()


def escalate(hub, now) -> dict:
    with Session(hub.db.engine) as s:
        out = escalate_overdue(s, now=now)
        s.commit()
    return out


NAMES = iter(["영희", "철수", "순자", "민수", "옥자", "영수", "정희", "동수"])


def crisis(hub) -> str:
    given = next(NAMES)
    rid = hub.register(given_name=given, phone=f"010-555-{len(given) * 1000 + ord(given[0]) % 1000:04d}")[
        "resident"]["id"]
    return hub.post_bp(rid, (190, 100), (188, 102)).json()["alert_id"]


def test_chain_levels_fall_due_in_order_and_stop_when_acknowledged():
    due = datetime(2026, 12, 1, 0, 10, tzinfo=UTC)
    assert escalation_deadlines(due) == [(1, due), (2, due + timedelta(minutes=20))]
    assert levels_due(status="open", level=0, ack_due_at=due, now=due - timedelta(seconds=1)) == []
    assert levels_due(status="open", level=0, ack_due_at=due, now=due) == [1]
    assert levels_due(status="open", level=0, ack_due_at=due, now=due + timedelta(hours=1)) == [1, 2]
    assert levels_due(status="open", level=2, ack_due_at=due, now=due + timedelta(hours=1)) == []
    assert levels_due(status="acknowledged", level=0, ack_due_at=due, now=due + timedelta(hours=1)) == []
    assert next_escalation_at(status="open", level=1, ack_due_at=due) == due + timedelta(minutes=20)
    assert next_escalation_at(status="open", level=2, ack_due_at=due) is None


def test_alert_escalates_level_by_level_and_each_person_gets_one_mail(hub, mailbox):
    add_contacts(hub)
    alert_id = crisis(hub)
    settings = settings_for(hub, mailbox)
    now = datetime.now(UTC)
    assert escalate(hub, now + timedelta(minutes=5)) == {"escalated": 0, "notifications": 0}
    assert escalate(hub, now + timedelta(minutes=11)) == {"escalated": 1, "notifications": 2}
    assert escalate(hub, now + timedelta(minutes=12)) == {"escalated": 0, "notifications": 0}
    first = deliver_pending(hub.db.engine, settings=settings, now=now + timedelta(minutes=11))
    assert first["sent"] == 2
    assert deliver_pending(hub.db.engine, settings=settings, now=now + timedelta(minutes=12))["sent"] == 0
    assert len(mailbox.to(NURSE)) == 1 and len(mailbox.to(NURSE2)) == 1 and mailbox.to(OFFICER) == []
    mail = mailbox.to(NURSE)[0]
    assert "위기 혈압" in mail["Subject"] and "190/" not in mail["Subject"]
    assert alert_id in mail.get_content() and "김영희" not in mail.get_content()  # no name in an e-mail
    assert mail["X-AICity-Level"] == "1"
    assert escalate(hub, now + timedelta(minutes=31)) == {"escalated": 1, "notifications": 1}
    deliver_pending(hub.db.engine, settings=settings, now=now + timedelta(minutes=31))
    assert len(mailbox.to(OFFICER)) == 1 and len(mailbox.messages) == 3
    assert mailbox.to("nam@namgu.example") == []  # another district's nurse is never told
    alert = next(a for a in hub.client.get("/v1/alerts", headers=hub.staff).json() if a["id"] == alert_id)
    assert alert["escalation_level"] == 2 and alert["next_escalation_at"] is None
    told = {(n["level"], n["address"], n["status"]) for n in alert["notifications"]}
    assert told == {(1, NURSE, "sent"), (1, NURSE2, "sent"), (2, OFFICER, "sent")}
    assert all(n["sent_at"] and n["attempts"] == 1 for n in alert["notifications"])


def test_acknowledged_alert_tells_nobody_and_a_district_without_contacts_shows_it(hub, mailbox):
    acked = crisis(hub)
    assert hub.client.post(f"/v1/alerts/{acked}/ack", headers=hub.staff).status_code == 200
    lonely = crisis(hub)  # Buk-gu has no contacts in this test
    out = escalate(hub, datetime.now(UTC) + timedelta(hours=1))
    assert out == {"escalated": 2, "notifications": 2}  # lonely: level 1 and level 2, each "nobody to tell"
    alerts = {a["id"]: a for a in hub.client.get("/v1/alerts", headers=hub.staff).json()}
    assert alerts[acked]["escalation_level"] == 0 and alerts[acked]["notifications"] == []
    assert {(n["level"], n["status"], n["last_error"]) for n in alerts[lonely]["notifications"]} == {
        (1, "failed", "no_contact"), (2, "failed", "no_contact")}
    settings = settings_for(hub, mailbox)
    assert deliver_pending(hub.db.engine, settings=settings, now=datetime.now(UTC))["sent"] == 0


def test_a_busy_relay_is_retried_with_backoff_and_a_refused_address_fails(hub, mailbox):
    add_contacts(hub)
    crisis(hub)
    mailbox.refuse = {NURSE: "451 try again later", NURSE2: "550 no such mailbox"}
    settings = settings_for(hub, mailbox, notify_backoff_s=60, notify_max_attempts=3)
    t = datetime.now(UTC) + timedelta(minutes=11)
    escalate(hub, t)
    assert deliver_pending(hub.db.engine, settings=settings, now=t) == {
        "sent": 0, "retry": 1, "failed": 1, "requeued": 0, "uncertain": 0}
    with Session(hub.db.engine) as s:
        busy = s.exec(select(Notification).where(Notification.address == NURSE)).one()
        assert busy.status == "pending" and busy.next_attempt_at == t + timedelta(seconds=60)
        assert busy.attempts == 1 and "451" in busy.last_error
    assert deliver_pending(hub.db.engine, settings=settings, now=t + timedelta(seconds=30))["retry"] == 0  # not yet
    assert deliver_pending(hub.db.engine, settings=settings, now=t + timedelta(seconds=60))["retry"] == 1
    with Session(hub.db.engine) as s:
        busy = s.exec(select(Notification).where(Notification.address == NURSE)).one()
        assert busy.next_attempt_at == t + timedelta(seconds=60 + 120)  # doubled
    mailbox.refuse = {}
    assert deliver_pending(hub.db.engine, settings=settings, now=t + timedelta(seconds=180))["sent"] == 1
    assert len(mailbox.to(NURSE)) == 1 and mailbox.to(NURSE2) == []


def test_killed_mid_way_and_rerun_every_notification_arrives_exactly_once(hub, mailbox):
    add_contacts(hub)
    with Session(hub.db.engine) as s:
        for i in range(3):
            s.add(EscalationContact(district="Buk-gu", level=1, name=f"간호{i}", address=f"n{i}@bukgu.example"))
        s.commit()
    alert_id = crisis(hub)
    t = datetime.now(UTC) + timedelta(minutes=11)
    assert escalate(hub, t)["notifications"] == 5
    mailbox.rcpt_delay_s = 1.0
    run_delivery(hub.db.url, mailbox, t, kill_after_messages=2)
    assert len(mailbox.messages) == 2
    with Session(hub.db.engine) as s:
        states = sorted(n.status for n in s.exec(select(Notification)).all())
    assert states.count("sent") == 2 and states.count("sending") == 1  # the killed one holds its claim
    mailbox.rcpt_delay_s = 0
    early = run_delivery(hub.db.url, mailbox, t + timedelta(seconds=10))  # the dead claim still holds: left alone
    assert early["requeued"] == 0 and early["sent"] == 2
    later = run_delivery(hub.db.url, mailbox, t + timedelta(seconds=121))
    assert later["requeued"] == 1 and later["sent"] == 1 and later["uncertain"] == 0
    addresses = [m["To"] for m in mailbox.messages]
    assert sorted(addresses) == sorted([NURSE, NURSE2, "n0@bukgu.example", "n1@bukgu.example", "n2@bukgu.example"])
    assert len({m["Message-ID"] for m in mailbox.messages}) == 5
    alert = next(a for a in hub.client.get("/v1/alerts", headers=hub.staff).json() if a["id"] == alert_id)
    assert [n["status"] for n in alert["notifications"]] == ["sent"] * 5


def test_a_run_that_died_while_handing_over_is_marked_uncertain_and_never_resent(hub, mailbox):
    add_contacts(hub)
    crisis(hub)
    t = datetime.now(UTC) + timedelta(minutes=11)
    escalate(hub, t)
    settings = settings_for(hub, mailbox)

    class DiesWhileHandingOver:
        name = "email"

        def send(self, message, *, before_handover=None):
            before_handover()
            raise SystemExit("killed")  # the process died after the relay took the recipient

    try:
        deliver_pending(hub.db.engine, settings=settings, now=t, channel=DiesWhileHandingOver(), limit=1)
    except SystemExit:
        pass
    out = deliver_pending(hub.db.engine, settings=settings, now=t + timedelta(seconds=121))
    assert out["uncertain"] == 1 and out["sent"] == 1
    with Session(hub.db.engine) as s:
        assert sorted(n.status for n in s.exec(select(Notification)).all()) == ["sent", "uncertain"]
    assert len(mailbox.messages) == 1


def test_simulated_staff_answer_at_human_speed_and_leave_the_demo_centre_its_fresh_work():
    from services.health_hubs.care.domain import simulated_staff_step

    t0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    a = {"centre_id": "C003", "status": "open", "kind": "bp_crisis", "created_at": t0}
    assert simulated_staff_step(a, now=t0 + timedelta(minutes=2), reaction_min=4, leave_centre="C001") == []
    assert [s for s, _ in simulated_staff_step(a, now=t0 + timedelta(minutes=5), reaction_min=4,
                                               leave_centre="C001")] == ["ack", "actions"]
    acked = {**a, "status": "acknowledged"}
    assert simulated_staff_step(acked, now=t0 + timedelta(minutes=6), reaction_min=4, leave_centre="C001") == []
    assert simulated_staff_step(acked, now=t0 + timedelta(minutes=9), reaction_min=4,
                                leave_centre="C001")[0][0] == "resolve"
    mine = {**a, "centre_id": "C001"}
    assert simulated_staff_step(mine, now=t0 + timedelta(minutes=15), reaction_min=4, leave_centre="C001") == []
    assert simulated_staff_step(mine, now=t0 + timedelta(minutes=21), reaction_min=4, leave_centre="C001")
