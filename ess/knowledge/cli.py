"""`flask --app wsgi ess kb …`: the knowledge-base commands."""
from __future__ import annotations

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
