"""Users, tokens and sessions: creation, lookup, revocation. Role and agency are read
from the database on every request, so a change takes effect on the next one."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from triage.auth.models import ApiToken, User, WebSession
from triage.auth.passwords import hash_password, verify_password
from triage.errors import Conflict, InvalidInput, NotFound

ROLES = {
    "operator": "Tổng đài viên",
    "agency_staff": "Cán bộ cơ quan xử lý",
    "supervisor": "Lãnh đạo, giám sát",
    "admin": "Quản trị hệ thống",
    "integration": "Tích hợp (chỉ gửi phản ánh)",
}
SESSION_HOURS = 12
TOKEN_PREFIX = "t1022_"


@dataclass(frozen=True)
class Principal:
    """Who is asking. `user_id` is None for anonymous callers."""

    user_id: int | None
    username: str
    role: str
    agency_code: str | None
    via: str
    session_id: int | None = None
    csrf_token: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


ANONYMOUS = Principal(user_id=None, username="ẩn danh", role="anonymous", agency_code=None,
                      via="anonymous")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def principal_of(user: User, via: str, session: WebSession | None = None) -> Principal:
    return Principal(user_id=user.id, username=user.username, role=user.role,
                     agency_code=user.agency_code, via=via,
                     session_id=session.id if session else None,
                     csrf_token=session.csrf_token if session else None)


def create_user(
    db: Session, username: str, role: str, *, agency_code: str | None = None,
    password: str | None = None, display_name: str | None = None,
) -> User:
    if role not in ROLES:
        raise InvalidInput(f"Vai trò không hợp lệ: {role}. Chọn một trong: {', '.join(ROLES)}.",
                           code="invalid_role")
    if role == "agency_staff" and not agency_code:
        raise InvalidInput("Cán bộ cơ quan cần gắn với một cơ quan (--agency).",
                           code="agency_required")
    if db.scalars(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"Người dùng {username} đã tồn tại.", code="user_exists")
    user = User(username=username, display_name=display_name or username, role=role,
                agency_code=agency_code if role == "agency_staff" else None,
                password_hash=hash_password(password) if password else None)
    db.add(user)
    db.flush()
    return user


def get_user(db: Session, username: str) -> User:
    user = db.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"Không tìm thấy người dùng {username}.", code="user_not_found")
    return user


def issue_token(db: Session, user: User, label: str = "") -> str:
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, digest=digest(plain), label=label))
    db.flush()
    return plain


# Run on every API call with a token: built once, one query, no ORM objects.
TOKEN_PRINCIPAL = (
    select(User.id, User.username, User.role, User.agency_code)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.digest == bindparam("digest"), ApiToken.revoked_at.is_(None),
           User.active.is_(True))
    .limit(1)
)


def principal_for_token(db: Session, plain: str) -> Principal | None:
    """Who holds this token: an active user whose token is not revoked, else None."""
    row = db.connection().execute(TOKEN_PRINCIPAL, {"digest": digest(plain)}).first()
    if row is None:
        return None
    return Principal(user_id=row.id, username=row.username, role=row.role,
                     agency_code=row.agency_code, via="token")


def authenticate(db: Session, username: str, password: str) -> User | None:
    user = db.scalars(select(User).where(User.username == username)).first()
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    return user


def set_password(db: Session, user: User, password: str, now: datetime, *,
                 keep_session: int | None = None) -> None:
    """A new password (checked against the rules); every web session of the user but
    `keep_session` ends, so a leaked password stops working at once."""
    user.password_hash = hash_password(password)
    db.execute(update(WebSession).where(WebSession.user_id == user.id,
                                        WebSession.revoked_at.is_(None),
                                        WebSession.id != (keep_session or 0))
               .values(revoked_at=now))


def open_session(db: Session, user: User, now: datetime) -> tuple[str, WebSession]:
    plain = secrets.token_urlsafe(32)
    web = WebSession(digest=digest(plain), user_id=user.id, csrf_token=secrets.token_urlsafe(24),
                     created_at=now, expires_at=now + timedelta(hours=SESSION_HOURS))
    db.add(web)
    db.flush()
    return plain, web


def session_user(db: Session, plain: str, now: datetime) -> tuple[User, WebSession] | None:
    web = db.scalars(select(WebSession).where(WebSession.digest == digest(plain))).first()
    if web is None or web.revoked_at is not None or web.expires_at <= now:
        return None
    user = db.get(User, web.user_id)
    if user is None or not user.active:
        return None
    return user, web


def close_session(db: Session, session_id: int, now: datetime) -> None:
    web = db.get(WebSession, session_id)
    if web is not None and web.revoked_at is None:
        web.revoked_at = now
