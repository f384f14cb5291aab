from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db.base import Base, JSONType, UTCDateTime


class User(Base):
    """A person (or machine) who can act in one municipality. Local users log in with a password;
    OIDC users are created on their first login and carry the roles their identity provider gives."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    # Unique across tenants: the login name ("meldpunt.zuidstad", an e-mail address, …).
    username: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # `scrypt$…` (see passwords.py); None for accounts that log in through OIDC or use tokens only.
    password_hash: Mapped[str | None] = mapped_column(String(300))
    roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Where escalation mail reaches this person (optional; OIDC fills it from the `email` claim).
    email: Mapped[str | None] = mapped_column(String(320))
    # The party (organisation code) a party contact or medical professional acts for.
    party: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(300))
    # Bumped when the password changes or the account is disabled: older sessions stop working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A bearer token for machines and scripts. Only a SHA-256 of the secret is stored; the secret is
    shown once, when the token is issued."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret, so a person can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginFailures(Base):
    """Failed logins per name tried, shared by every worker process and kept across restarts. The
    name is stored as a SHA-256: unknown names are counted too, and a name may be an e-mail address."""

    __tablename__ = "login_failures"

    name_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    # The window runs from the first failure; a failure after it starts a new window.
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
