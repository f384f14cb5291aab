"""OIDC login (Authlib): configured by WAMS_OIDC_ISSUER, WAMS_OIDC_CLIENT_ID and WAMS_OIDC_CLIENT_SECRET;
the claims are mapped to roles, municipality and party by `engine.accounts.oidc`."""

from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import Flask

from engine.config import Settings


def init_oidc(app: Flask, settings: Settings) -> None:
    oauth = OAuth(app)
    client = oauth.register(
        "wams",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email"},
    )
    app.extensions["wams_oidc"] = client
