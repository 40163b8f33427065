"""Encryption of sensitive values at rest: MultiFernet over ESS_ENCRYPTION_KEYS, and key rotation.

The first key encrypts; every key decrypts, so a new key goes first, `flask --app wsgi ess rotate-keys`
re-encrypts every stored value with it, and only then the old key is removed.

Columns declared with `EncryptedText` hold Fernet tokens (base64 text): the clear value never reaches
the database. Fernet tokens are randomised, so equal values do not look equal and cannot be searched;
nothing in the portal looks rows up by a sensitive value, so there is no blind index.

Outside production, when ESS_ENCRYPTION_KEYS is empty, a development key is derived from the secret key
so the demo runs; production refuses to start without keys (config.check_production).
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

import click
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import Text, select, update
from sqlalchemy.types import TypeDecorator

DEV_KEY_LABEL = "ess development encryption key (derived from ESS_SECRET_KEY; never for production)"


class CryptoError(RuntimeError):
    """A stored value cannot be decrypted with the configured keys, or no key is configured."""


def development_key(secret_key: str) -> bytes:
    digest = hashlib.sha256(f"{DEV_KEY_LABEL}|{secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _keys(app: Flask) -> list[bytes]:
    keys = [k.encode() if isinstance(k, str) else k for k in app.config.get("ENCRYPTION_KEYS") or []]
    if keys:
        return keys
    if app.config.get("ESS_ENV") == "production":
        raise CryptoError("ESS_ENCRYPTION_KEYS must be set in production")
    app.logger.warning("ESS_ENCRYPTION_KEYS is empty: using the %s", DEV_KEY_LABEL)
    return [development_key(app.config["SECRET_KEY"])]


@dataclass
class _Keyring:
    first: Fernet
    all: MultiFernet
    development: bool


def keyring(app: Flask | None = None) -> _Keyring:
    app = app or current_app._get_current_object()
    ring = app.extensions.get("ess_keyring")
    if ring is None:
        try:
            fernets = [Fernet(key) for key in _keys(app)]
        except ValueError:
            raise CryptoError("ESS_ENCRYPTION_KEYS holds a value that is not a Fernet key "
                              "(32 url-safe base64-encoded bytes)") from None
        ring = _Keyring(fernets[0], MultiFernet(fernets), not app.config.get("ENCRYPTION_KEYS"))
        app.extensions["ess_keyring"] = ring
    return ring


def encrypt(value: str) -> str:
    return keyring().first.encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return keyring().all.decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise CryptoError("a stored sensitive value cannot be decrypted with ESS_ENCRYPTION_KEYS "
                          "(was a key removed before `ess rotate-keys` ran?)") from None


class EncryptedText(TypeDecorator):
    """A text column stored as a Fernet token; Python code sees the clear string."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect):
        if value is None:
            return None
        if isinstance(value, RawToken):  # rotation writes a new token as it is
            return str(value)
        return encrypt(str(value))

    def process_result_value(self, value: str | None, dialect):
        if value is None:
            return None
        return decrypt(value)


class RawToken(str):
    """An already-encrypted token, written unchanged (used by rotation only)."""


# Rotation -----------------------------------------------------------------------------------------------
def encrypted_columns(metadata) -> list[tuple]:
    """(table, column) for every EncryptedText column of every model."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                found.append((table, column))
    return found


@dataclass
class RotationSummary:
    rotated: int = 0
    unchanged: int = 0
    refused: list[str] = field(default_factory=list)


def rotate_all(session, metadata, progress=lambda step: None) -> RotationSummary:
    """Re-encrypt every stored value with the first key. Reads and writes raw tokens (no decryption in SQL).

    A value already encrypted with the first key is left as it is, so running it twice changes nothing.
    """
    ring = keyring()
    summary = RotationSummary()
    for table, column in encrypted_columns(metadata):
        (pk,) = table.primary_key.columns
        rows = session.execute(
            select(pk, column.cast(Text).label("token")).where(column.is_not(None))
        ).all()
        for row_id, token in rows:
            try:
                ring.first.decrypt(token.encode("ascii"))
            except InvalidToken:
                pass
            else:
                summary.unchanged += 1
                progress(1)
                continue
            try:
                new_token = ring.all.rotate(token.encode("ascii")).decode("ascii")
            except InvalidToken:
                summary.refused.append(f"{table.name}.{column.name} id {row_id}: no configured key decrypts it")
                progress(1)
                continue
            session.execute(update(table).where(pk == row_id).values({column.name: RawToken(new_token)}))
            summary.rotated += 1
            progress(1)
    return summary


def count_encrypted(session, metadata) -> int:
    from sqlalchemy import func

    total = 0
    for table, column in encrypted_columns(metadata):
        total += session.scalar(select(func.count()).select_from(table).where(column.is_not(None))) or 0
    return total


@click.command("rotate-keys")
@with_appcontext
def rotate_keys_command():
    """Re-encrypt every sensitive value with the first key of ESS_ENCRYPTION_KEYS."""
    from ess.db import db

    ring = keyring()
    if ring.development:
        click.echo(f"warning: no ESS_ENCRYPTION_KEYS; using the {DEV_KEY_LABEL}", err=True)
    total = count_encrypted(db.session, db.metadata)
    with click.progressbar(length=total, label="re-encrypting", file=click.get_text_stream("stderr")) as bar:
        summary = rotate_all(db.session, db.metadata, progress=bar.update)
    for reason in summary.refused:
        click.echo(f"refused: {reason}", err=True)
    db.session.commit()
    click.echo(f"{summary.rotated} re-encrypted, {summary.unchanged} unchanged (already on the first key), "
               f"{len(summary.refused)} refused")
    if summary.refused:
        raise SystemExit(1)
