"""Use cases on accounts: create, authenticate, disable, enable, change role or place. Flush, never commit."""

import uuid

from sqlmodel import Session, select

from services.common.auth import hash_password, verify_password
from services.common.errors import Conflict, NotFound, Unauthorized
from services.identity.accounts.domain import check_password, check_role_and_place
from services.identity.accounts.models import Account


def create_account(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    centre_id: str | None = None,
    district: str | None = None,
    company_id: str | None = None,
) -> Account:
    check_role_and_place(role, centre_id=centre_id, district=district, company_id=company_id)
    check_password(password)
    if session.exec(select(Account).where(Account.username == username)).first():
        raise Conflict(f"username {username!r} is taken", code="username_taken")
    account = Account(
        id=str(uuid.uuid4()),
        username=username,
        password_hash=hash_password(password),
        role=role,
        display_name=display_name or username,
        centre_id=centre_id,
        district=district,
        company_id=company_id,
    )
    session.add(account)
    session.flush()
    return account


def authenticate(session: Session, *, username: str, password: str) -> Account:
    account = session.exec(select(Account).where(Account.username == username)).first()
    if account is None or account.disabled_at is not None or not verify_password(account.password_hash, password):
        raise Unauthorized("wrong username or password", code="bad_credentials")
    return account


def find_account(session: Session, username: str) -> Account:
    account = session.exec(select(Account).where(Account.username == username)).first()
    if account is None:
        raise NotFound("no such account", code="account_not_found")
    return account


def disable_account(session: Session, *, username: str, now) -> Account:
    """Signs the account out everywhere: its tokens stop working on every service within the account cache's
    seconds (AICITY_ACCOUNT_CACHE_S), and it cannot sign in."""
    account = find_account(session, username)
    if account.disabled_at is None:
        account.disabled_at = now
    account.token_version += 1
    session.add(account)
    session.flush()
    return account


def enable_account(session: Session, *, username: str) -> Account:
    account = find_account(session, username)
    account.disabled_at = None
    session.add(account)
    session.flush()
    return account


def change_account(session: Session, *, username: str, role: str | None = None, centre_id: str | None = None,
                   district: str | None = None, company_id: str | None = None) -> Account:
    """A new role or place. Tokens issued before carry the old ones, so they are revoked (version raised)."""
    account = find_account(session, username)
    new_role = role or account.role
    new_place = {"centre_id": centre_id if centre_id is not None else account.centre_id,
                 "district": district if district is not None else account.district,
                 "company_id": company_id if company_id is not None else account.company_id}
    new_place = {k: (v or None) for k, v in new_place.items()}  # "" clears a place
    check_role_and_place(new_role, **new_place)
    if (new_role, *new_place.values()) != (account.role, account.centre_id, account.district, account.company_id):
        account.role = new_role
        account.centre_id, account.district, account.company_id = new_place.values()
        account.token_version += 1
        session.add(account)
        session.flush()
    return account
