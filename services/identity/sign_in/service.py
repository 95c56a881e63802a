"""Use cases of signing in: every attempt is recorded. Flush, never commit."""

from sqlmodel import Session

from services.identity.sign_in.models import SignInEvent


def record_sign_in(session: Session, *, username: str, address: str, outcome: str, service: str) -> None:
    session.add(SignInEvent(username=username[:80], address=address[:64], outcome=outcome, service=service[:32]))
    session.flush()
