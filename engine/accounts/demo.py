"""Demo accounts for `make run`: one account per role in each demo municipality, with a password for
the web UI and an API token for curl. Outside production only.

Passwords and tokens are derived from the instance's secret key, so they stay the same across
restarts of one installation and differ between installations."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select

from ..roles import Role
from ..uow import UnitOfWork
from .models import ApiToken, User
from .service import TOKEN_PREFIX, add_token, add_user, hash_token

# (username prefix, role, party, display name)
DEMO_ACCOUNTS: list[tuple[str, Role, str | None, str]] = [
    ("ontwerper", Role.PROCESS_DESIGNER, None, "Olga Ontwerper"),
    ("meldpunt", Role.MELDPUNT, None, "Mo Meldpunt"),
    ("beoordelaar", Role.ASSESSOR, None, "Bea Beoordelaar"),
    ("coordinator", Role.COORDINATOR, None, "Cor Coördinator"),
    ("partij", Role.PARTY_CONTACT, "wijkteam", "Pim Wijkteam"),
    # Contacts of the parties a demo onderzoek typically asks, so a newcomer can walk every step:
    # income (UWV), debts, and a housing corporation (enforcement role, no special categories).
    ("uwv", Role.PARTY_CONTACT, "uwv", "Ursula UWV"),
    ("schulden", Role.PARTY_CONTACT, "schuldhulpverlening", "Sem Schuldhulp"),
    ("woning", Role.PARTY_CONTACT, "woningcorporatie", "Wendy Woningcorporatie"),
    ("arts", Role.MEDICAL_PROFESSIONAL, "ggz_instelling", "Dr. Anna Arts"),
    ("huisarts", Role.MEDICAL_PROFESSIONAL, "huisarts", "Dr. Henk Huisarts"),
    ("manager", Role.MANAGER, None, "Mia Manager"),
    ("fg", Role.PRIVACY_OFFICER, None, "Femke FG"),
    ("beheerder", Role.ADMIN, None, "Bram Beheerder"),
]


def _derived(secret_key: str, purpose: str, username: str) -> str:
    return hmac.new(secret_key.encode(), f"{purpose}:{username}".encode(), hashlib.sha256).hexdigest()


def demo_password(secret_key: str, username: str) -> str:
    return "demo-" + _derived(secret_key, "password", username)[:10]


def demo_token(secret_key: str, username: str) -> str:
    return TOKEN_PREFIX + "demo_" + _derived(secret_key, "token", username)[:32]


def seed_demo_accounts(uow: UnitOfWork, tenant_id: str, secret_key: str) -> list[str]:
    """Create the demo accounts of one tenant (idempotent) inside the caller's unit of work; returns
    printable lines `username  password  token  role`."""
    lines = []
    for prefix, role, party, name in DEMO_ACCOUNTS:
        username = f"{prefix}.{tenant_id}"
        password = demo_password(secret_key, username)
        token = demo_token(secret_key, username)
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = add_user(
                uow, tenant_id, username, roles=[role], password=password, party=party, display_name=name
            )
        if uow.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_token(token))) is None:
            add_token(uow, user, "demo", created_by="demo-data", secret=token)
        lines.append(f"{username:<24} {password:<16} {token}  ({role.value})")
    return lines
