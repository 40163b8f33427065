"""`flask --app wsgi ess kb …`: the knowledge-base commands; `flask --app wsgi ess tokeniser`: the Kiwi service."""
from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import with_appcontext

from ess.db import db


@click.group("kb")
def kb_group():
    """Knowledge base: import articles from files."""


@kb_group.command("import")
@click.argument("directories", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def import_articles(directories):
    """Create or update articles from the Markdown files in DIRECTORIES (YAML front matter)."""
    from ess.knowledge.importer import article_files, import_paths

    files = article_files(list(directories))
    with click.progressbar(files, label="Importing articles", show_pos=True,
                           item_show_func=lambda p: p.name if p else "") as bar:
        summary = import_paths(files, progress=bar)
    db.session.commit()
    for outcome in summary.refused:
        click.echo(f"{outcome.path}: {outcome.reason}", err=True)
    click.echo(summary.line())
    if summary.refused:
        raise SystemExit(1)


@click.command("tokeniser")
@click.option("--socket", "socket_path", type=click.Path(dir_okay=False),
              help="Listen on this Unix socket, e.g. /run/ess/tokeniser.sock.")
@click.option("--bind", help="Listen on HOST:PORT over TCP, e.g. 127.0.0.1:7077.")
@with_appcontext
def tokeniser_command(socket_path: str | None, bind: str | None):
    """Hold Kiwi in this one process and tokenise for the web processes that set ESS_TOKENISER_URL to its
    address. Without --socket or --bind it listens where ESS_TOKENISER_URL points."""
    from flask import current_app

    from ess.knowledge.tokeniser import address, serve

    if socket_path and bind:
        raise click.UsageError("give --socket or --bind, not both")
    if socket_path:
        url = f"unix://{Path(socket_path).resolve()}"
    elif bind:
        host, _, port = bind.rpartition(":")
        url = f"tcp://{host}:{port}"
    else:
        url = current_app.config.get("TOKENISER_URL")
        if not url:
            raise click.UsageError("give --socket PATH or --bind HOST:PORT (or set ESS_TOKENISER_URL)")
    try:
        address(url)
    except ValueError as error:
        raise click.UsageError(str(error))

    def ready(service):
        click.echo(f"tokeniser: Kiwi loaded, listening on {url} (pid {os.getpid()})", err=True)

    try:
        serve(url, ready=ready)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {url}: {error}")
    click.echo("tokeniser: stopped", err=True)
