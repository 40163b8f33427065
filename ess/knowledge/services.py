"""Knowledge-base use cases. Each takes the acting person (`None` only for the file import), checks what
they may do, flushes and never commits; refusals are DomainErrors naming the field."""
from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, insert, literal, or_, select, union
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm import joinedload, lazyload

from ess import audit, clock
from ess.db import db
from ess.errors import ConflictError, DomainError
from ess.knowledge import search
from ess.knowledge.models import (AUTHOR_ROLES, LANGS, SPACES, Acknowledgement, Article, ArticleStatus, Attachment,
                                  AudienceRule, Category, Feedback, Revision, SearchQuery, Tag, article_tags)
from ess.uploads import safe_filename, sniff
from ess.people.models import Department, Employee, EmployeeStatus
from ess.security import ROLES

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")
MAX_TAGS = 20
MAX_BODY = 200_000
MAX_COMMENT = 2000
MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


class Forbidden(DomainError):
    status = 403


@dataclass
class ArticleData:
    """What an author (or a policy file) says an article is."""

    title: str
    slug: str
    space: str
    lang: str = "ko"
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    summary: str = ""
    body: str = ""
    requires_ack: bool = False
    owner: str | None = None  # employee number or work e-mail
    review_by: date | None = None
    translation_of: str | None = None  # slug of the original
    audience_roles: list[str] = field(default_factory=list)
    audience_departments: list[str] = field(default_factory=list)  # department names


# Checks -----------------------------------------------------------------------------------------------
def _require_author(actor) -> None:
    if actor is not None and not (actor.roles & AUTHOR_ROLES):
        raise Forbidden(_l("Only HR and IT authors can write articles."), field="space", code="forbidden")


def find_owner(value: str | None) -> Employee | None:
    if not value:
        return None
    value = value.strip()
    return db.session.scalar(select(Employee).where(Employee.employee_no == value)) or db.session.scalar(
        select(Employee).where(func.lower(Employee.email) == value.lower())
    )


def validate(data: ArticleData, article: Article | None = None) -> dict:
    """Check everything before anything is written; returns the looked-up objects."""
    data.title = (data.title or "").strip()
    data.slug = (data.slug or "").strip().lower()
    if not data.title:
        raise DomainError(_l("Enter a title."), field="title", code="required")
    if len(data.title) > 200:
        raise DomainError(_l("The title is longer than 200 characters."), field="title", code="too_long")
    if not SLUG_RE.match(data.slug):
        raise DomainError(_l("The address may use lower-case letters, digits and hyphens (a-z, 0-9, -)."),
                          field="slug", code="invalid")
    if data.space not in SPACES:
        raise DomainError(_l("Choose the HR handbook or the IT guides."), field="space", code="invalid")
    if data.lang not in LANGS:
        raise DomainError(_l("The language must be ko or en."), field="lang", code="invalid")
    if len(data.summary or "") > 500:
        raise DomainError(_l("The summary is longer than 500 characters."), field="summary", code="too_long")
    if len(data.body or "") > MAX_BODY:
        raise DomainError(_l("The text is too long."), field="body", code="too_long")
    data.tags = sorted({t.strip().lower()[:60] for t in data.tags if t and t.strip()})
    if len(data.tags) > MAX_TAGS:
        raise DomainError(_l("Use at most 20 tags."), field="tags", code="too_many")
    if data.category is not None:
        data.category = data.category.strip()[:120] or None
    found: dict = {"owner": None, "translation_of": None, "departments": []}
    if data.owner:
        found["owner"] = find_owner(data.owner)
        if found["owner"] is None or found["owner"].status is not EmployeeStatus.active:
            raise DomainError(_l("The owner %(owner)s is not an active employee.", owner=data.owner),
                              field="owner", code="not_found")
    if data.translation_of:
        original = db.session.scalar(select(Article).where(Article.slug == data.translation_of.strip()))
        if original is None or (article is not None and original.id == article.id) or original.slug == data.slug:
            raise DomainError(_l("There is no article %(slug)s to translate.", slug=data.translation_of),
                              field="translation_of", code="not_found")
        if original.lang == data.lang:
            raise DomainError(_l("A translation must be in the other language."), field="lang", code="same_lang")
        found["translation_of"] = original.translation_of or original
    unknown = set(data.audience_roles) - set(ROLES)
    if unknown:
        raise DomainError(_l("Unknown role: %(role)s", role=", ".join(sorted(unknown))), field="audience_roles",
                          code="invalid")
    for name in data.audience_departments:
        department = db.session.scalar(select(Department).where(Department.name == name))
        if department is None:
            raise DomainError(_l("There is no department %(name)s.", name=name), field="audience_departments",
                              code="not_found")
        found["departments"].append(department)
    existing = db.session.scalar(select(Article).where(Article.slug == data.slug))
    if existing is not None and (article is None or existing.id != article.id):
        raise DomainError(_l("Another article already uses this address."), field="slug", code="taken")
    return found


# Writing ----------------------------------------------------------------------------------------------
def _category(space: str, name: str | None) -> Category | None:
    if not name:
        return None
    category = db.session.scalar(select(Category).where(Category.space == space, Category.name == name))
    if category is None:
        category = Category(space=space, name=name)
        db.session.add(category)
    return category


def _tags(names: list[str]) -> list[Tag]:
    existing = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(names)))} if names else {}
    result = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
        result.append(tag)
    return result


def snapshot(article: Article) -> dict:
    return {
        "title": article.title,
        "slug": article.slug,
        "space": article.space,
        "lang": article.lang,
        "summary": article.summary or "",
        "body": article.body or "",
        "category": article.category.name if article.category else None,
        "tags": sorted(t.name for t in article.tags),
        "requires_ack": bool(article.requires_ack),
        "owner": article.owner.employee_no if article.owner else None,
        "review_by": article.review_by.isoformat() if article.review_by else None,
        "translation_of": article.translation_of.slug if article.translation_of else None,
        "audience": sorted(
            [f"role:{r.role}" for r in article.audience if r.role]
            + [f"department:{r.department.name}" for r in article.audience if r.department]
        ),
    }


def _apply(article: Article, data: ArticleData, found: dict) -> None:
    article.title = data.title
    article.slug = data.slug
    article.space = data.space
    article.lang = data.lang
    article.summary = data.summary or ""
    article.body = data.body or ""
    article.category = _category(data.space, data.category)
    article.tags = _tags(data.tags)
    article.requires_ack = bool(data.requires_ack)
    article.owner = found["owner"]
    article.review_by = data.review_by
    article.translation_of = found["translation_of"]
    wanted = [("role", r) for r in sorted(set(data.audience_roles))] + [
        ("department", d) for d in found["departments"]]
    current = [("role", r.role) if r.role else ("department", r.department) for r in article.audience]
    if wanted != current:
        article.audience = [AudienceRule(role=value) if kind == "role" else AudienceRule(department=value)
                            for kind, value in wanted]


def _new_revision(article: Article, actor, *, source: str, note: str = "") -> Revision:
    article.current_revision_number = (article.current_revision_number or 0) + 1
    revision = Revision(
        article=article, number=article.current_revision_number, title=article.title, summary=article.summary,
        body=article.body, tags=sorted(t.name for t in article.tags),
        category=article.category.name if article.category else None,
        author_id=getattr(actor, "id", None), source=source, note=(note or "")[:200],
    )
    db.session.add(revision)
    return revision


def create_article(actor, data: ArticleData, *, source: str = "web", note: str = "") -> Article:
    _require_author(actor)
    found = validate(data)
    article = Article(status=ArticleStatus.draft, current_revision_number=0)
    db.session.add(article)
    _apply(article, data, found)
    if article.owner is None and actor is not None:
        article.owner = actor
    _new_revision(article, actor, source=source, note=note)
    db.session.flush()
    audit.record("kb.article.created", actor=actor, subject=article,
                 changes={"slug": article.slug, "space": article.space, "source": source})
    return article


class EditConflict(ConflictError):
    def __init__(self):
        super().__init__(
            _l("Someone else saved this article while you were editing. Your changes below were not saved: "
               "copy what you need, reload the page to see the current text, and save again."),
            field="base_revision", code="edit_conflict")


def update_article(actor, article: Article, data: ArticleData, *, source: str = "web", note: str = "",
                   base_revision: int | None = None) -> bool:
    """Save a change as a new revision; returns False (and writes nothing) when nothing changed.

    `base_revision` is the revision the editor started from: when someone saved another one since, the
    change is refused (EditConflict) rather than written over theirs.
    """
    _require_author(actor)
    if base_revision is not None and base_revision != article.current_revision_number:
        raise EditConflict()
    try:
        return _update_article(actor, article, data, source=source, note=note)
    except StaleDataError:  # saved by someone else between our reading and our writing
        raise EditConflict() from None


def _update_article(actor, article: Article, data: ArticleData, *, source: str, note: str) -> bool:
    if article.status is ArticleStatus.archived:
        article.edited()  # refuses: reopen first
    if source == "web":
        data.slug = article.slug  # the address stays; links to it keep working
    found = validate(data, article)
    before = snapshot(article)
    _apply(article, data, found)
    after = snapshot(article)
    if before == after:
        return False
    article.edited()
    _new_revision(article, actor, source=source, note=note)
    db.session.flush()
    audit.record("kb.article.updated", actor=actor, subject=article, changes={
        key: {"before": before[key], "after": after[key]} if key != "body" else {"changed": True}
        for key in after if before[key] != after[key]})
    return True


def _require_publisher(actor, article: Article) -> None:
    if actor is not None and not article.can_publish(actor):
        raise Forbidden(_l("Only the authors of %(space)s can do this.", space=article.space_info.name),
                        field="space", code="forbidden")


def _transition(actor, article: Article, action: str, **facts) -> None:
    before = article.status.value
    db.session.flush()
    search.reindex(article)
    audit.record(f"kb.article.{action}", actor=actor, subject=article,
                 changes={"status": {"before": before, "after": article.status.value}, **facts})


def submit_for_review(actor, article: Article) -> None:
    if not article.can_edit(actor):
        raise Forbidden(_l("Only HR and IT authors can write articles."), field="space", code="forbidden")
    before = article.status.value
    article.submit_for_review()
    audit.record("kb.article.submitted", actor=actor, subject=article,
                 changes={"status": {"before": before, "after": article.status.value}})


def publish(actor, article: Article, *, major: bool = False) -> None:
    _require_publisher(actor, article)
    before = article.status.value
    ask_again = article.publish(major=major)
    _mark_major(article, major)
    db.session.flush()
    search.reindex(article)
    audit.record("kb.article.published", actor=actor, subject=article, changes={
        "status": {"before": before, "after": "published"}, "revision": article.published_revision_number,
        "major": major, "acknowledgement_version": article.ack_version if ask_again else None})


def _mark_major(article: Article, major: bool) -> None:
    if major:
        revision = db.session.scalar(select(Revision).where(
            Revision.article_id == article.id, Revision.number == article.current_revision_number))
        if revision is not None:
            revision.major = True


def publish_from_source(article: Article, *, major: bool = False) -> None:
    """The file import: the files were reviewed where they are kept."""
    article.publish_from_source(major=major)
    _mark_major(article, major)
    db.session.flush()
    search.reindex(article)


def send_back(actor, article: Article) -> None:
    _require_publisher(actor, article)
    article.send_back()
    _transition(actor, article, "sent_back")


def archive(actor, article: Article) -> None:
    _require_publisher(actor, article)
    article.archive()
    _transition(actor, article, "archived")


def reopen(actor, article: Article) -> None:
    _require_publisher(actor, article)
    article.reopen()
    _transition(actor, article, "reopened")


def get_revision(article: Article, number: int) -> Revision | None:
    return db.session.scalar(select(Revision).where(Revision.article_id == article.id, Revision.number == number))


def restore_revision(actor, article: Article, number: int) -> Revision:
    """Bring back an old revision's text as a new revision (nothing is ever rewritten)."""
    if not article.can_edit(actor):
        raise Forbidden(_l("Only HR and IT authors can write articles."), field="space", code="forbidden")
    old = get_revision(article, number)
    if old is None:
        raise DomainError(_l("There is no revision %(number)s.", number=number), field="revision",
                          code="not_found", status=404)
    article.edited()
    article.title, article.summary, article.body = old.title, old.summary, old.body
    article.tags = _tags(sorted(old.tags or []))
    article.category = _category(article.space, old.category)
    revision = _new_revision(article, actor, source="restore", note=f"restored revision {number}")
    db.session.flush()
    audit.record("kb.article.restored", actor=actor, subject=article,
                 changes={"from_revision": number, "revision": revision.number})
    return revision


@dataclass(frozen=True)
class DiffLine:
    kind: str  # add, remove, same, hunk
    text: str


def diff_revisions(old: Revision, new: Revision) -> list[DiffLine]:
    """A line diff of two revisions: title, summary and body."""
    def lines(revision: Revision) -> list[str]:
        return [f"# {revision.title}", f"> {revision.summary}" if revision.summary else ">", ""] + (
            revision.body or "").splitlines()

    out = []
    for line in difflib.unified_diff(lines(old), lines(new), lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            out.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            out.append(DiffLine("remove", line[1:]))
        else:
            out.append(DiffLine("same", line[1:]))
    return out


def add_attachment(actor, article: Article, filename: str, data: bytes) -> Attachment:
    if not article.can_edit(actor):
        raise Forbidden(_l("Only HR and IT authors can write articles."), field="file", code="forbidden")
    if not data:
        raise DomainError(_l("Choose an image file."), field="file", code="required")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise DomainError(_l("Images may be at most 2 MB."), field="file", code="too_large")
    sniffed = sniff(data, IMAGE_TYPES)
    if sniffed is None:
        raise DomainError(_l("Only PNG, JPEG, GIF and WebP images can be attached."), field="file",
                          code="unsupported_type")
    attachment = Attachment(
        article=article, filename=safe_filename(filename, sniffed, "image"), content_type=sniffed,
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(attachment)
    db.session.flush()
    audit.record("kb.attachment.added", actor=actor, subject=article,
                 changes={"attachment": attachment.id, "filename": attachment.filename, "size": attachment.size})
    return attachment


# Reading ----------------------------------------------------------------------------------------------
def acknowledge(actor, article: Article) -> Acknowledgement:
    if not (article.requires_ack and article.is_visible and article.ack_version > 0):
        raise DomainError(_l("This article asks for no confirmation."), field="article", code="no_ack")
    if not article.audience_matches(actor):
        raise Forbidden(_l("This policy is not addressed to you."), field="article", code="forbidden")
    existing = db.session.scalar(select(Acknowledgement).where(
        Acknowledgement.article_id == article.id, Acknowledgement.employee_id == actor.id,
        Acknowledgement.version == article.ack_version))
    if existing is not None:
        return existing
    ack = Acknowledgement(article_id=article.id, employee_id=actor.id, version=article.ack_version,
                          revision_number=article.published_revision_number)
    db.session.add(ack)
    db.session.flush()
    audit.record("kb.policy.acknowledged", actor=actor, subject=article,
                 changes={"version": ack.version, "revision": ack.revision_number})
    return ack


def has_acknowledged(user, article: Article) -> bool:
    return db.session.scalar(select(func.count()).select_from(Acknowledgement).where(
        Acknowledgement.article_id == article.id, Acknowledgement.employee_id == user.id,
        Acknowledgement.version == article.ack_version)) > 0


def give_feedback(actor, article: Article, helpful: bool, comment: str = "") -> Feedback:
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError(_l("The comment is longer than 2000 characters."), field="comment", code="too_long")
    feedback = db.session.scalar(select(Feedback).where(Feedback.article_id == article.id,
                                                        Feedback.employee_id == actor.id))
    if feedback is None:
        feedback = Feedback(article_id=article.id, employee_id=actor.id)
        db.session.add(feedback)
    feedback.helpful = helpful
    feedback.comment = comment
    feedback.revision_number = article.published_revision_number or article.current_revision_number
    feedback.created_at = clock.now()
    db.session.flush()
    return feedback


def search_articles(actor, query: str, *, limit: int = 10, offset: int = 0) -> search.Result:
    """Search what the reader may see, and log the query with its hit count."""
    result = search.run_query(actor, query, limit=limit, offset=offset)
    if result.query:
        # One INSERT into the table, without the unit of work's bookkeeping for an object nobody reads back.
        db.session.execute(insert(SearchQuery.__table__).values(
            query=result.query, normalised=result.normalised[:400], hits=result.total,
            employee_id=getattr(actor, "id", None), at=clock.now()))
    return result


def suggest(actor, query: str, limit: int = 6) -> search.Result:
    """As-you-type suggestions: the same search, not logged (a half-typed word is not a question)."""
    return search.run_query(actor, query, limit=limit)


def readable_articles(user, space: str | None = None) -> list[Article]:
    # readable_by already applied the audience rules in SQL: loading them again would cost a statement.
    statement = (select(Article).where(search.readable_by(user))
                 .options(joinedload(Article.category), lazyload(Article.audience))
                 .order_by(Article.title))
    if space:
        statement = statement.where(Article.space == space)
    return list(db.session.scalars(statement))


def one_per_language_family(articles: list[Article], lang: str) -> list[Article]:
    """An original and its translations are one entry: the version in `lang` if there is one, else the original."""
    families: dict[int, list[Article]] = {}
    for article in articles:
        families.setdefault(article.translation_of_id or article.id, []).append(article)
    chosen = []
    for members in families.values():
        in_lang = [a for a in members if a.lang == lang]
        originals = [a for a in members if a.translation_of_id is None]
        chosen.append((in_lang or originals or members)[0])
    return sorted(chosen, key=lambda a: ((a.category.name if a.category else ""), a.title))


def pending_acknowledgements(user) -> list[Article]:
    """Policies in my audience whose current version I have not confirmed."""
    confirmed = select(Acknowledgement.id).where(
        Acknowledgement.article_id == Article.id, Acknowledgement.employee_id == user.id,
        Acknowledgement.version == Article.ack_version).exists()
    return list(db.session.scalars(
        # `requires_ack` bare, not `IS true`, which an index cannot serve.
        select(Article).where(search.readable_by(user), Article.requires_ack, Article.ack_version > 0, ~confirmed)
        .options(lazyload(Article.tags), lazyload(Article.audience))  # a list of titles: neither is shown
        .order_by(Article.title)))


def related_articles(user, article: Article, limit: int = 5) -> list[Article]:
    """Readable articles in the same category or sharing tags, most shared tags first.

    Scored and cut in SQL: loading every readable article of the space to score it here made each article
    view cost as much as the handbook is long (2,000 articles: a quarter of a second; bench/README.md). Only
    the candidates (the category's articles and those with one of the tags, both found through an index) are
    checked and scored: scoring every article of the space took 3.5 ms of the article page at 2,000 articles.
    """
    tag_ids = [t.id for t in article.tags]
    if not tag_ids and article.category_id is None:
        return []  # nothing to be related by
    family = {i for i in {article.id, article.translation_of_id} | {t.id for t in article.translations} if i}
    articles = Article.__table__
    found_by = ([select(article_tags.c.article_id).where(article_tags.c.tag_id.in_(tag_ids))] if tag_ids else []) + (
        [select(articles.c.id).where(articles.c.category_id == article.category_id).correlate(None)]
        if article.category_id is not None else [])
    candidates = found_by[0] if len(found_by) == 1 else union(*found_by)
    shared = (select(func.count()).select_from(article_tags)
              .where(article_tags.c.article_id == Article.id, article_tags.c.tag_id.in_(tag_ids or [-1]))
              .scalar_subquery())
    same_category = (case((Article.category_id == article.category_id, 2), else_=0)
                     if article.category_id is not None else literal(0))
    score = shared + same_category
    statement = (select(Article)
                 .where(Article.id.in_(candidates), search.readable_by(user), Article.space == article.space,
                        Article.id.not_in(family),
                        or_(Article.translation_of_id.is_(None), Article.translation_of_id.not_in(family)))
                 .options(lazyload(Article.audience), lazyload(Article.tags))  # titles and links only
                 .order_by(score.desc(), case((Article.lang == article.lang, 0), else_=1), Article.title)
                 .limit(limit))
    return list(db.session.scalars(statement))


@dataclass
class AckReport:
    article: Article
    confirmed: list[tuple[Employee, Acknowledgement]]
    missing: list[Employee]


def acknowledgement_report(actor, article: Article) -> AckReport:
    if not article.can_manage(actor):
        raise Forbidden(_l("Only the authors of %(space)s can do this.", space=article.space_info.name),
                        field="space", code="forbidden")
    people = [e for e in db.session.scalars(
        select(Employee).where(Employee.status == EmployeeStatus.active).order_by(Employee.name, Employee.id))
        if article.audience_matches(e)]
    acks = {a.employee_id: a for a in db.session.scalars(select(Acknowledgement).where(
        Acknowledgement.article_id == article.id, Acknowledgement.version == article.ack_version))}
    return AckReport(
        article=article,
        confirmed=[(e, acks[e.id]) for e in people if e.id in acks],
        missing=[e for e in people if e.id not in acks],
    )


def managed_articles(actor) -> list[Article]:
    """Everything authors work on: all articles, newest change first."""
    _require_author(actor)
    return list(db.session.scalars(select(Article).order_by(Article.updated_at.desc(), Article.id.desc())))


def overdue_articles(actor, today: date | None = None) -> list[Article]:
    """Articles whose review-by date has passed, in the spaces the actor looks after."""
    today = today or clock.today()
    spaces = [key for key, space in SPACES.items() if "admin" in actor.roles or space.author_role in actor.roles]
    if not spaces:
        return []
    return list(db.session.scalars(select(Article).where(
        Article.space.in_(spaces), Article.review_by < today, Article.status != ArticleStatus.archived,
    ).order_by(Article.review_by, Article.title)))


def get_article(slug: str) -> Article | None:
    # One statement for what the article page shows with it (tags, audience, category, owner).
    return db.session.scalars(select(Article).where(Article.slug == slug).options(
        joinedload(Article.tags), joinedload(Article.audience), joinedload(Article.category),
        joinedload(Article.owner).lazyload(Employee.role_grants))).unique().first()


def get_article_to_read(slug: str) -> tuple[Article, Revision | None] | None:
    """The article page's article and its published revision, in one statement.

    With the article come what the page shows of it (tags, audience, category, owner) and its translations
    with their audience rules (may the reader see them?): loaded one by one, those were two more statements.
    """
    statement = (
        select(Article, Revision).where(Article.slug == slug)
        .outerjoin(Revision, and_(Revision.article_id == Article.id,
                                  Revision.number == Article.published_revision_number))
        .options(joinedload(Article.tags), joinedload(Article.audience), joinedload(Article.category),
                 joinedload(Article.owner).lazyload(Employee.role_grants),
                 joinedload(Article.translations).options(lazyload(Article.tags), joinedload(Article.audience))))
    row = db.session.execute(statement).unique().first()
    return (row[0], row[1]) if row else None


def other_languages(article: Article) -> list[Article]:
    """The rest of the article's family: its original first, then the original's translations.

    An original's translations came with it (get_article_to_read); a translation's family takes one statement.
    """
    if article.translation_of_id is None:
        return sorted(article.translations, key=lambda a: a.id)
    original = article.translation_of_id
    family = db.session.scalars(
        select(Article).where(or_(Article.id == original, Article.translation_of_id == original),
                              Article.id != article.id)
        .options(lazyload(Article.tags), joinedload(Article.audience))).unique()
    return sorted(family, key=lambda a: (a.id != original, a.id))
