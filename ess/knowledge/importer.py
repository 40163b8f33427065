"""Articles from Markdown files with YAML front matter (policies/handbook, policies/it).

A new file creates and publishes an article; a changed file becomes a new revision and is published; an
unchanged file changes nothing; a bad file is refused with its name and the reason, and the others go on.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select

from ess.db import db
from ess.errors import DomainError
from ess.knowledge import services
from ess.knowledge.models import Article, ArticleStatus

FIELDS = {"title", "slug", "space", "category", "lang", "tags", "summary", "requires_ack", "owner", "review_by",
          "translation_of", "major", "version", "audience"}


class FileRefused(Exception):
    pass


@dataclass
class Outcome:
    path: Path
    status: str  # created, updated, unchanged, refused
    reason: str = ""


@dataclass
class ImportSummary:
    outcomes: list[Outcome] = field(default_factory=list)

    def _of(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def created(self):
        return self._of("created")

    @property
    def updated(self):
        return self._of("updated")

    @property
    def unchanged(self):
        return self._of("unchanged")

    @property
    def refused(self):
        return self._of("refused")

    def line(self) -> str:
        return (f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.refused)} refused")


def split_front_matter(text: str) -> tuple[dict, str]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise FileRefused("no YAML front matter (the file must start with ---)")
    end = text.find("\n---", 4)
    if end == -1:
        raise FileRefused("the front matter is not closed with ---")
    try:
        meta = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as exc:
        raise FileRefused(f"the front matter is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(meta, dict):
        raise FileRefused("the front matter must be a mapping of fields")
    body = text[end + 4:].split("\n", 1)[1] if "\n" in text[end + 4:] else ""
    return meta, body.strip("\n") + "\n"


def _list(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return [str(v) for v in value]
    raise FileRefused(f"{name} must be a list or comma-separated text")


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise FileRefused(f"review_by {value!r} is not a date (YYYY-MM-DD)") from None


def parse(text: str) -> tuple[services.ArticleData, dict]:
    meta, body = split_front_matter(text)
    unknown = set(meta) - FIELDS
    if unknown:
        raise FileRefused(f"unknown field {', '.join(sorted(unknown))}")
    for name in ("title", "slug", "space", "lang"):
        if not meta.get(name):
            raise FileRefused(f"{name} is missing")
    if meta["space"] not in ("hr", "it"):
        raise FileRefused(f"space must be hr or it, not {meta['space']!r}")
    if meta["lang"] not in ("ko", "en"):
        raise FileRefused(f"lang must be ko or en, not {meta['lang']!r}")
    audience = meta.get("audience") or {}
    if not isinstance(audience, dict):
        raise FileRefused("audience must have roles and/or departments")
    data = services.ArticleData(
        title=str(meta["title"]), slug=str(meta["slug"]), space=meta["space"], lang=meta["lang"],
        category=str(meta["category"]) if meta.get("category") else None, tags=_list(meta.get("tags"), "tags"),
        summary=str(meta.get("summary") or ""), body=body, requires_ack=bool(meta.get("requires_ack")),
        owner=str(meta["owner"]) if meta.get("owner") else None, review_by=_date(meta.get("review_by")),
        translation_of=str(meta["translation_of"]) if meta.get("translation_of") else None,
        audience_roles=_list(audience.get("roles"), "audience.roles"),
        audience_departments=_list(audience.get("departments"), "audience.departments"),
    )
    version = meta.get("version")
    if version is not None and not isinstance(version, int):
        raise FileRefused("version must be a whole number")
    return data, {"major": bool(meta.get("major")), "version": version}


def import_file(path: Path, actor=None) -> Outcome:
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FileRefused("not UTF-8 text") from None
        data, extra = parse(text)
        article = db.session.scalar(select(Article).where(Article.slug == data.slug.strip().lower()))
        if article is not None and article.source_hash == digest:
            return Outcome(path, "unchanged")
        if article is not None and article.status is ArticleStatus.archived:
            raise FileRefused(f"article {article.slug} is archived in the portal; reopen it first")
        if article is None:
            article = services.create_article(actor, data, source="import", note=path.name)
            status = "created"
        else:
            changed = services.update_article(actor, article, data, source="import", note=path.name)
            status = "updated" if changed or article.status is not ArticleStatus.published else "unchanged"
        major = extra["major"] or (extra["version"] is not None and extra["version"] > article.ack_version
                                   and article.ack_version > 0)
        if status != "unchanged":
            services.publish_from_source(article, major=major and status == "updated")
            if extra["version"] is not None and article.requires_ack:
                article.ack_version = max(article.ack_version, extra["version"])
        article.source_hash = digest
        db.session.flush()
        return Outcome(path, status)
    except FileRefused as exc:
        return Outcome(path, "refused", str(exc))
    except DomainError as exc:
        return Outcome(path, "refused", f"{exc.field}: {exc.message}" if exc.field else str(exc.message))


def article_files(directories: list[Path]) -> list[Path]:
    """Markdown files, originals before translations (so `translation_of` finds its article)."""
    files = sorted(p for d in directories for p in Path(d).glob("*.md") if p.is_file())

    def is_translation(path: Path) -> bool:
        try:
            meta, _ = split_front_matter(path.read_text(encoding="utf-8"))
            return bool(meta.get("translation_of"))
        except Exception:
            return False

    return sorted(files, key=lambda p: (is_translation(p), str(p)))


def import_paths(paths: list[Path], actor=None, progress=None) -> ImportSummary:
    summary = ImportSummary()
    for path in (progress if progress is not None else paths):
        summary.outcomes.append(import_file(path, actor))
    return summary


def import_directories(directories: list[Path], actor=None) -> ImportSummary:
    return import_paths(article_files([d for d in directories if Path(d).is_dir()]), actor)


def import_policy_articles() -> ImportSummary:
    """The handbook and IT guides shipped in ESS_POLICIES_DIR (the demo imports them; re-running is harmless)."""
    from flask import current_app

    root = Path(current_app.config["POLICIES_DIR"])
    return import_directories([root / "handbook", root / "it"])
