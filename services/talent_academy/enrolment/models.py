"""Tables of enrolment: learners (records, not accounts), invitations, enrolments and the notification outbox."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from services.common.db import UTCDateTime, utcnow
from services.talent_academy.models import TalentAcademyModel


class Learner(TalentAcademyModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)  # may be made by the client (idempotent)
    name: str = Field(max_length=120)
    birth_date: date
    residence: str = Field(max_length=64)  # city of residence, e.g. "Pohang"
    sponsor_company_id: str | None = Field(default=None, max_length=64)  # nominee of a partner company
    skills: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The learner's consent to show partner companies their profile (skills, assessment) and to be matched to
    # openings; without it they are never a candidate (PIPA art. 17, provision to a third party needs consent).
    consent_to_share: bool = False
    consent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    contact: str | None = Field(default=None, max_length=120)  # phone or e-mail for offers; erased with the record
    erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class LearnerAccess(TalentAcademyModel, table=True):
    """Every read of a learner's record by staff or a partner: who, in what role and company, what, when."""

    __tablename__ = "learner_access"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor_id: str = Field(max_length=64, index=True)
    actor_role: str | None = Field(default=None, max_length=24)
    actor_company: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=24)  # read_learner | read_path | read_enrolment | read_waitlist | read_matches ...
    learner_id: uuid.UUID | None = Field(default=None, index=True)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Invitation(TalentAcademyModel, table=True):
    __table_args__ = (UniqueConstraint("offering_id", "learner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id", index=True)
    learner_id: uuid.UUID = Field(foreign_key="learner.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Enrolment(TalentAcademyModel, table=True):
    """One learner's application to one offering, from waitlist to completion. One row per (offering, learner)."""

    __table_args__ = (UniqueConstraint("offering_id", "learner_id"), UniqueConstraint("offering_id", "waitlist_seq"))

    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id", index=True)
    learner_id: uuid.UUID = Field(foreign_key="learner.id", index=True)
    status: str = Field(max_length=16, index=True)  # waitlisted | offered | enrolled | withdrawn | declined | expired
    source: str = Field(default="staff", max_length=16)  # self | staff | bulk | api | partner
    priority_class: int = 1  # lower is served first; FIFO within a class
    waitlist_seq: int | None = None
    seat_kind: str | None = Field(default=None, max_length=16)  # general | reserved, while a seat is held
    seat_company_id: str | None = Field(default=None, max_length=64)
    content_locked: bool = False
    missing_prerequisites: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    applied_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    seat_claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    seat_released_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    waitlist_left_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    offered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    offer_expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), index=True))
    offer_reminded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    enrolled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    withdrawn_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    sessions_attended: int = 0
    projects_passed: int = 0
    assessment_score: float | None = None
    completion_status: str | None = Field(default=None, max_length=16)  # completed | not_completed
    completion_reasons: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    application_no: str | None = Field(default=None, max_length=16, unique=True)  # given to self-applicants


class ApplicantLink(TalentAcademyModel, table=True):
    """A personal status link of one application: only the SHA-256 of its random token is kept. One is made on
    applying, another on each look-up by application number and birth date."""

    __tablename__ = "applicant_link"
    id: int | None = Field(default=None, primary_key=True)
    enrolment_id: int = Field(foreign_key="enrolment.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Notification(TalentAcademyModel, table=True):
    """The outbox: written in the same transaction as the change it tells of, sent by a job."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)  # offer_made | offer_expiring | promoted | offer_expired
    learner_id: uuid.UUID = Field(index=True)
    enrolment_id: int | None = None
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), index=True))
    attempts: int = 0
