"""Accounts: password hashing, users, logins and their throttle, API tokens read from the database on
every use (so every process sees a revocation at once), OIDC claim mapping, demo accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.access import Actor
from engine.accounts.demo import DEMO_ACCOUNTS, demo_token, seed_demo_accounts
from engine.accounts.models import User
from engine.accounts.oidc import ClaimMapping, identity_from_claims, oidc_login
from engine.accounts.passwords import hash_password, verify_password
from engine.accounts.service import (
    actor_for_session,
    actor_for_token,
    add_token,
    add_user,
    create_user,
    issue_token,
    login,
    revoke_token,
)
from engine.db.session import connect
from engine.errors import Conflict, InvalidInput, NotAuthenticated, NotAuthorized
from engine.roles import Role
from engine.uow import UnitOfWork
from tests.factories import make_tenant

ADMIN = Actor("admin", "utrecht", frozenset({Role.ADMIN}))


def test_passwords_are_salted_and_verified():
    first, second = hash_password("geheim wachtwoord"), hash_password("geheim wachtwoord")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("geheim wachtwoord", first)
    assert not verify_password("geheim wachtwoorD", first)
    assert not verify_password("x", None) and not verify_password("x", "md5$abc")


@pytest.fixture
def tenant(uow):
    return make_tenant(uow)


def _user(uow, name="anna", roles=(Role.COORDINATOR,), **kwargs):
    with uow() as unit:
        user = add_user(unit, "utrecht", name, roles=roles, **kwargs)
        unit.commit()
        return user


def test_users_are_validated(uow, tenant):
    with pytest.raises(InvalidInput, match="bound to a party"):
        _user(uow, roles=[Role.PARTY_CONTACT])
    with pytest.raises(InvalidInput, match="at least 8"):
        _user(uow, password="kort")
    with pytest.raises(InvalidInput, match="unknown role"):
        _user(uow, roles=["superuser"])
    _user(uow)
    with pytest.raises(Conflict):
        _user(uow)
    with pytest.raises(NotAuthorized):
        create_user(uow(), Actor("m", "utrecht", frozenset({Role.MANAGER})), "bob", roles=[Role.MELDPUNT])
    assert create_user(uow(), ADMIN, "bob", roles=[Role.MELDPUNT]).tenant_id == "utrecht"


def test_login_gives_the_same_answer_for_every_failure(uow, tenant):
    _user(uow, password="een goed wachtwoord")
    result = login(uow(), "anna", "een goed wachtwoord")
    assert result.actor == Actor("anna", "utrecht", frozenset({Role.COORDINATOR}), None, "anna")
    for name, password in (("anna", "fout wachtwoord"), ("niemand", "een goed wachtwoord")):
        with pytest.raises(NotAuthenticated, match="unknown username or wrong password"):
            login(uow(), name, password)
    with uow() as unit:
        unit.session.scalar(select(User).where(User.username == "anna")).active = False
        unit.commit()
    with pytest.raises(NotAuthenticated, match="unknown username or wrong password"):
        login(uow(), "anna", "een goed wachtwoord")


def test_tokens_verify_expire_and_revoke(uow, tenant, clock):
    _user(uow)
    anna = Actor("anna", "utrecht", frozenset({Role.COORDINATOR}))
    issued = issue_token(uow(), anna, "laptop", expires_at=clock.now() + timedelta(days=1))
    assert actor_for_token(uow(readonly=True), issued.secret).username == "anna"
    clock.advance(days=2)
    with pytest.raises(NotAuthenticated, match="expired"):
        actor_for_token(uow(readonly=True), issued.secret)
    forever = issue_token(uow(), anna, "server")
    assert actor_for_token(uow(readonly=True), forever.secret).username == "anna"
    revoke_token(uow(), anna, forever.token.id)
    with pytest.raises(NotAuthenticated):
        actor_for_token(uow(readonly=True), forever.secret)  # at once in this process, cache or not
    for bad in ("", "not_a_wams_token", "wams_" + "x" * 300, "wams_unknown"):
        with pytest.raises(NotAuthenticated):
            actor_for_token(uow(readonly=True), bad)


def test_another_process_sees_a_revocation_and_a_role_change_at_once(uow, tenant, database_url, clock):
    user = _user(uow)
    anna = Actor("anna", "utrecht", frozenset({Role.COORDINATOR}))
    issued = issue_token(uow(), anna, "laptop")
    other = connect(database_url)  # another worker process: its own pool and memory
    try:
        assert actor_for_token(UnitOfWork(other, clock, readonly=True), issued.secret).username == "anna"
        assert actor_for_session(UnitOfWork(other, clock, readonly=True), user.id, 1).username == "anna"
        with uow() as unit:
            unit.session.get(User, user.id).roles = [Role.MANAGER.value]
            unit.commit()
        assert actor_for_token(UnitOfWork(other, clock, readonly=True), issued.secret).roles == {Role.MANAGER}
        assert actor_for_session(UnitOfWork(other, clock, readonly=True), user.id, 1).roles == {Role.MANAGER}
        revoke_token(uow(), anna, issued.token.id)
        with pytest.raises(NotAuthenticated):
            actor_for_token(UnitOfWork(other, clock, readonly=True), issued.secret)
        with uow() as unit:
            unit.session.get(User, user.id).active = False
            unit.commit()
        with pytest.raises(NotAuthenticated):
            actor_for_session(UnitOfWork(other, clock, readonly=True), user.id, 1)
    finally:
        other.dispose()


def test_a_session_ends_when_its_epoch_moves_on(uow, tenant):
    user = _user(uow)
    assert actor_for_session(uow(readonly=True), user.id, 1).username == "anna"
    with pytest.raises(NotAuthenticated):
        actor_for_session(uow(readonly=True), user.id, 2)
    with pytest.raises(NotAuthenticated):
        actor_for_session(uow(readonly=True), 99999, 1)


def test_only_an_admin_issues_tokens_for_others(uow, tenant):
    _user(uow)
    _user(uow, "bob", roles=[Role.MELDPUNT])
    anna = Actor("anna", "utrecht", frozenset({Role.COORDINATOR}))
    with pytest.raises(NotAuthorized):
        issue_token(uow(), anna, "x", username="bob")
    assert (
        actor_for_token(uow(readonly=True), issue_token(uow(), ADMIN, "x", username="bob").secret).username
        == "bob"
    )


MAPPING = ClaimMapping(roles_claim="realm_access.roles", tenant_claim="gemeente", party_claim="partij")


def _claims(**extra):
    return {
        "iss": "https://idp.example",
        "sub": "abc-123",
        "preferred_username": "c.devries",
        "gemeente": "utrecht",
        **extra,
    }


def test_oidc_claims_map_to_roles_tenant_and_party():
    identity = identity_from_claims(
        _claims(
            realm_access={"roles": ["Coördinator", "beoordelaar", "offline_access"]}, name="Cor de Vries"
        ),
        MAPPING,
    )
    assert identity.roles == {Role.COORDINATOR, Role.ASSESSOR}
    assert (identity.username, identity.display_name, identity.tenant_id) == (
        "c.devries",
        "Cor de Vries",
        "utrecht",
    )
    spaced = identity_from_claims(_claims(realm_access={"roles": "manager fg"}), MAPPING)
    assert spaced.roles == {Role.MANAGER, Role.PRIVACY_OFFICER}
    with pytest.raises(NotAuthorized, match="no Wams role"):
        identity_from_claims(_claims(realm_access={"roles": ["offline_access"]}), MAPPING)
    with pytest.raises(NotAuthorized, match="municipality"):
        identity_from_claims({**_claims(realm_access={"roles": ["manager"]}), "gemeente": ""}, MAPPING)
    with pytest.raises(NotAuthorized, match="party"):
        identity_from_claims(_claims(realm_access={"roles": ["partij"]}), MAPPING)
    party = identity_from_claims(_claims(realm_access={"roles": ["partij"]}, partij="wijkteam"), MAPPING)
    assert (party.roles, party.party) == ({Role.PARTY_CONTACT}, "wijkteam")


def test_oidc_login_creates_then_follows_the_identity_provider(uow, tenant):
    first = oidc_login(uow(), _claims(realm_access={"roles": ["coordinator"]}), MAPPING)
    assert first.actor.roles == {Role.COORDINATOR}
    second = oidc_login(uow(), _claims(realm_access={"roles": ["manager"]}), MAPPING)
    assert second.user_id == first.user_id and second.actor.roles == {Role.MANAGER}
    assert actor_for_session(uow(readonly=True), second.user_id, second.session_epoch).roles == {Role.MANAGER}
    with pytest.raises(NotAuthorized, match="not known here"):
        oidc_login(uow(), _claims(realm_access={"roles": ["manager"]}, gemeente="atlantis"), MAPPING)
    with uow() as unit:
        unit.session.get(User, first.user_id).active = False
        unit.commit()
    with pytest.raises(NotAuthorized, match="disabled"):
        oidc_login(uow(), _claims(realm_access={"roles": ["manager"]}), MAPPING)


def test_demo_accounts_are_idempotent_and_their_tokens_work(uow, tenant):
    with uow() as unit:
        lines = seed_demo_accounts(unit, "utrecht", "secret")
        unit.commit()
    with uow() as unit:
        again = seed_demo_accounts(unit, "utrecht", "secret")
        unit.commit()
        count = len(list(unit.session.scalars(select(User))))
    assert lines == again and len(lines) == count == len(DEMO_ACCOUNTS)
    actor = actor_for_token(uow(readonly=True), demo_token("secret", "partij.utrecht"))
    assert (actor.roles, actor.party) == ({Role.PARTY_CONTACT}, "wijkteam")
    assert demo_token("other secret", "partij.utrecht") != demo_token("secret", "partij.utrecht")


def test_add_token_keeps_only_a_hash(uow, tenant):
    user = _user(uow)
    with uow() as unit:
        issued = add_token(unit, user, "x", created_by="t")
        unit.commit()
    assert issued.secret not in (issued.token.token_hash, issued.token.prefix)
    assert len(issued.token.token_hash) == 64
