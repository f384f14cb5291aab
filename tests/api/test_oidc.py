"""OIDC login end to end against a small identity provider on 127.0.0.1: discovery, the redirect, the
code exchange, the signed ID token, the claims mapped to an account of the right municipality."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, jsonify, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select
from werkzeug.serving import make_server

from api.app import create_app
from engine.accounts.models import User
from engine.config import Settings
from engine.services import build_services

CLIENT_ID = "wams-test"
CLIENT_SECRET = "s3cret"


class FakeProvider:
    """Discovery, token, JWKS and userinfo endpoints; the claims of the next login are set by the test."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
        self.claims: dict = {}
        self.nonce = ""
        self.app = Flask("fake-idp")
        self.issuer = ""
        app = self.app

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                jwks_uri=f"{self.issuer}/jwks",
                userinfo_endpoint=f"{self.issuer}/userinfo",
                id_token_signing_alg_values_supported=["RS256"],
                response_types_supported=["code"],
                subject_types_supported=["public"],
            )

        @app.post("/token")
        def token():
            assert request.form["code"] == "the-code"
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": self.nonce}
            id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, {**claims, **self.claims}, self.key)
            return jsonify(access_token="at", token_type="Bearer", expires_in=300, id_token=id_token)

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/userinfo")
        def userinfo():
            return jsonify(self.claims)


@pytest.fixture
def provider():
    idp = FakeProvider()
    server = make_server("127.0.0.1", 0, idp.app, threaded=True)
    idp.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield idp
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def oidc_client(provider, db, clock, tmp_path, world):
    settings = Settings.from_env(
        {},
        instance_path=tmp_path,
        env="test",
        scheduler="off",
        secret_key="test-secret",
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_roles_claim="groups",
    )
    app = create_app(settings, services=build_services(settings, database=db, clock=clock))
    return app.test_client()


def _login(client, provider, claims, next_path="/taken"):
    provider.claims = claims
    start = client.get(f"/api/v1/session/oidc?next={next_path}")
    assert start.status_code == 302
    location = urlsplit(start.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{provider.issuer}/authorize"
    query = parse_qs(location.query)
    assert query["client_id"] == [CLIENT_ID]
    provider.nonce = query["nonce"][0]
    return client.get(f"/api/v1/session/oidc/callback?code=the-code&state={query['state'][0]}")


def test_an_oidc_login_maps_claims_to_an_account(oidc_client, provider, db):
    claims = {
        "sub": "u-42",
        "preferred_username": "c.devries@utrecht.nl",
        "email": "cor.devries@utrecht.nl",
        "name": "Cor de Vries",
        "groups": ["Coördinator", "other-app-admin"],
        "gemeente": "utrecht",
    }
    done = _login(oidc_client, provider, claims)
    assert done.status_code == 302 and done.headers["Location"].endswith("/taken")
    me = oidc_client.get("/api/v1/me").get_json()
    assert me == {
        "username": "c.devries@utrecht.nl",
        "display_name": "Cor de Vries",
        "tenant_id": "utrecht",
        "roles": ["coordinator"],
        "party": None,
    }
    with db.session() as session:  # escalation mail for this coordinator goes to the claimed address
        email = session.scalar(select(User.email).where(User.username == "c.devries@utrecht.nl"))
    assert email == "cor.devries@utrecht.nl"


def test_no_wams_role_or_an_unknown_municipality_means_no_login(oidc_client, provider):
    refused = _login(oidc_client, provider, {"sub": "u-1", "groups": ["other"], "gemeente": "utrecht"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_authorized"
    unknown = _login(oidc_client, provider, {"sub": "u-2", "groups": ["manager"], "gemeente": "atlantis"})
    assert unknown.status_code == 403
    assert oidc_client.get("/api/v1/me").status_code == 401


def test_a_forged_callback_is_refused(oidc_client, provider):
    oidc_client.get("/api/v1/session/oidc")
    response = oidc_client.get("/api/v1/session/oidc/callback?code=the-code&state=forged")
    assert response.status_code == 401
    assert oidc_client.get("/api/v1/me").status_code == 401


def test_only_local_paths_are_followed_after_login(oidc_client, provider):
    claims = {"sub": "u-3", "groups": ["manager"], "gemeente": "utrecht"}
    done = _login(oidc_client, provider, claims, next_path="//evil.example/x")
    assert done.headers["Location"] in {"/", "http://localhost/"}
