"""`flask --app wsgi ess tokens …`: create, list and revoke service tokens."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ess.db import db
from ess.errors import DomainError


@click.group("tokens")
def tokens_group():
    """Service tokens for the API and SCIM."""


@tokens_group.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True, help="A scope, e.g. scim or people:read; repeat.")
@click.option("--expires-days", type=int, default=None, help="Days until the token expires (default: never).")
@with_appcontext
def create(name: str, scopes: tuple[str, ...], expires_days: int | None):
    """Create the token NAME and print its secret once."""
    from ess.tokens import services

    try:
        token, secret = services.create_token(name, scopes, expires_days=expires_days, actor=None,
                                              allowed_scopes=services.known_scopes(current_app))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.field}: {error.message}") from None
    db.session.commit()
    expiry = token.expires_at.strftime("%Y-%m-%d %H:%M UTC") if token.expires_at else "never"
    click.echo(f"token {token.name} created; scopes {' '.join(token.scopes)}; expires {expiry}", err=True)
    click.echo("the secret is shown only now; store it in the client's secret store:", err=True)
    click.echo(secret)


@tokens_group.command("list")
@with_appcontext
def list_tokens():
    """List tokens with their scopes, state and last use (never their secrets)."""
    from ess.tokens import services

    tokens = services.list_tokens()
    if not tokens:
        click.echo("no tokens")
    for token in tokens:
        last = token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "never used"
        expiry = token.expires_at.strftime("%Y-%m-%d") if token.expires_at else "no expiry"
        click.echo(f"{token.name}\t{token.state().value}\t{' '.join(token.scopes)}\t{token.hint}…\t"
                   f"expires {expiry}\tlast used {last}")


@tokens_group.command("revoke")
@click.argument("name")
@with_appcontext
def revoke(name: str):
    """Revoke the token NAME at once."""
    from ess.tokens import services

    token = services.find_by_name(name)
    if token is None:
        raise click.ClickException(f"no token named {name!r}")
    changed = services.revoke_token(token, actor=None)
    db.session.commit()
    click.echo(f"token {name} revoked" if changed else f"token {name} was revoked already")
