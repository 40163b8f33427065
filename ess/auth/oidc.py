"""The OpenID Connect client, configured from ESS_OIDC_* through Authlib."""
from __future__ import annotations

import time

import requests
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

CLIENT_NAME = "oidc"
EXTENSION_KEY = "ess.oidc"


def register_oidc_client(app: Flask) -> None:
    """Give the app its own Authlib registry: a shared one would cache one app's client for all."""
    if not oidc_configured(app):
        return
    issuer = app.config["OIDC_ISSUER"].rstrip("/")
    oauth = OAuth(app)
    app.extensions[EXTENSION_KEY] = oauth
    oauth.register(
        CLIENT_NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=discovery_url(app),
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256", "timeout": 10},
    )


def discovery_url(app: Flask | None = None) -> str:
    return (app or current_app).config["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration"


def read_discovery() -> None:
    """Read the provider's discovery document now (Authlib keeps the first one for the process's life).

    Called as a sign-in starts: a provider that stopped answering is noticed here and explained on our
    page, instead of the person's browser failing at the provider's address. Raises OSError (requests'
    errors are OSErrors) or ValueError when the provider does not answer properly.
    """
    response = requests.get(discovery_url(), timeout=5)
    response.raise_for_status()
    client().server_metadata.update({**response.json(), "_loaded_at": time.time()})


def oidc_configured(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def client():
    return current_app.extensions[EXTENSION_KEY].create_client(CLIENT_NAME)


def merged_claims(token: dict) -> dict:
    """id_token claims merged with userinfo: providers differ in where they put e-mail and groups.

    Userinfo wins for anything both carry, except `sub`, which must agree (OIDC Core 5.3.2).
    """
    id_claims = dict(token.get("userinfo") or {})
    info = dict(client().userinfo(token=token))
    if info.get("sub") and id_claims.get("sub") and info["sub"] != id_claims["sub"]:
        raise ValueError("userinfo subject differs from the id_token subject")
    return {**id_claims, **info}


def end_session_endpoint() -> str | None:
    read_discovery()  # a provider that is down cannot end its session: sign-out then stays local
    return client().server_metadata.get("end_session_endpoint")
