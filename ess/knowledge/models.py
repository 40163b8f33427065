"""Spaces, articles and their revisions, attachments, acknowledgements, feedback and the search tables.

An article's own columns hold the working copy (the latest revision). Readers see the *published*
revision (`published_revision_number`) while the article is not archived, so editing a published
article never changes what readers see until someone publishes again.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, Boolean, Column, Enum, ForeignKey, Index, Integer, LargeBinary, String, Table, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ess import clock
from ess.db import UTCDateTime, db
from ess.errors import ConflictError
from ess.people.models import Department, Employee


@dataclass(frozen=True)
class Space:
    key: str
    name: object
    author_role: str


SPACES: dict[str, Space] = {
    "hr": Space("hr", _l("HR handbook"), "hr"),
    "it": Space("it", _l("IT guides"), "it_author"),
}
AUTHOR_ROLES = frozenset({"hr", "it_author", "admin"})
LANGS = ("ko", "en")


class ArticleStatus(enum.Enum):
    draft = "draft"
    in_review = "in_review"
    published = "published"
    archived = "archived"


STATUS_LABELS = {
    ArticleStatus.draft: _l("Draft"),
    ArticleStatus.in_review: _l("In review"),
    ArticleStatus.published: _l("Published"),
    ArticleStatus.archived: _l("Archived"),
}


article_tags = Table(
    "kb_article_tags",
    db.metadata,
    Column("article_id", ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("kb_tags.id", ondelete="CASCADE"), primary_key=True),
    # Related articles start from the articles holding one of the tags; the primary key starts with the article.
    Index("ix_kb_article_tags_tag_id", "tag_id"),
)


class Category(db.Model):
    __tablename__ = "kb_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    space: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(120))

    __table_args__ = (UniqueConstraint("space", "name"),)


class Tag(db.Model):
    __tablename__ = "kb_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)


class Article(db.Model):
    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    space: Mapped[str] = mapped_column(String(8))
    lang: Mapped[str] = mapped_column(String(2), default="ko")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("kb_categories.id"))
    translation_of_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    review_by: Mapped[date | None]
    requires_ack: Mapped[bool] = mapped_column(Boolean, default=False)
    # Raised by the first publication of a policy and by every major one: everybody confirms again.
    ack_version: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[ArticleStatus] = mapped_column(
        Enum(ArticleStatus, native_enum=False, length=16), default=ArticleStatus.draft
    )
    current_revision_number: Mapped[int] = mapped_column(Integer, default=0)
    published_revision_number: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # sha256 of the file this article was last imported from: an unchanged file changes nothing.
    source_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, onupdate=clock.now)

    category: Mapped[Category | None] = relationship()
    owner: Mapped[Employee | None] = relationship()
    translation_of: Mapped[Article | None] = relationship(remote_side=[id], back_populates="translations")
    translations: Mapped[list[Article]] = relationship(back_populates="translation_of")
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, lazy="selectin", order_by=Tag.name)
    audience: Mapped[list[AudienceRule]] = relationship(
        back_populates="article", cascade="all, delete-orphan", lazy="selectin"
    )
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Revision.number"
    )

    __table_args__ = (
        Index("ix_kb_articles_space_status", "space", "status"),
        Index("ix_kb_articles_translation_of_id", "translation_of_id"),
        Index("ix_kb_articles_category_id", "category_id"),  # related articles: the same category's
        Index("ix_kb_articles_published", "published_at", "id"),  # the home page's newest articles
        Index("ix_kb_articles_requires_ack", "requires_ack"),  # policies waiting for confirmation
    )
    # Every UPDATE names the revision number it read: a writer that read an older one changes nothing and
    # gets StaleDataError (a 409) instead of silently overwriting. Only a new revision moves the number.
    __mapper_args__ = {"version_id_col": current_revision_number, "version_id_generator": False}

    # Who may do what -------------------------------------------------------------------------------
    @property
    def space_info(self) -> Space:
        return SPACES[self.space]

    @property
    def is_visible(self) -> bool:
        """Readers see it: something was published and it is not archived."""
        return self.published_revision_number is not None and self.status is not ArticleStatus.archived

    def audience_matches(self, user) -> bool:
        if not self.audience:
            return True
        roles = user.roles
        departments = {d.id for d in user.department.path()} if getattr(user, "department", None) else set()
        return any(
            (rule.role and rule.role in roles) or (rule.department_id and rule.department_id in departments)
            for rule in self.audience
        )

    def can_read(self, user) -> bool:
        if self.can_edit(user):
            return True
        return self.is_visible and self.audience_matches(user)

    def can_edit(self, user) -> bool:
        """Any author may write a draft in any space; publishing is for the space's own authors."""
        return bool(user.roles & AUTHOR_ROLES)

    def can_publish(self, user) -> bool:
        roles = user.roles
        return "admin" in roles or self.space_info.author_role in roles

    def can_manage(self, user) -> bool:
        """See who acknowledged, archive, restore: the space's own authors."""
        return self.can_publish(user)

    def can_submit(self, user) -> bool:
        return self.status is ArticleStatus.draft and self.can_edit(user)

    # Workflow: every move names where it may start -------------------------------------------------
    def _move(self, allowed_from: tuple[ArticleStatus, ...], to: ArticleStatus) -> None:
        if self.status not in allowed_from:
            raise ConflictError(
                _l("This article is %(status)s; that step is not possible now.", status=STATUS_LABELS[self.status]),
                field="status", code="illegal_transition",
            )
        self.status = to

    def submit_for_review(self) -> None:
        self._move((ArticleStatus.draft,), ArticleStatus.in_review)

    def send_back(self) -> None:
        self._move((ArticleStatus.in_review,), ArticleStatus.draft)

    def publish(self, *, major: bool = False) -> bool:
        """Publish the working copy; returns True when everybody must acknowledge (again)."""
        self._move((ArticleStatus.in_review,), ArticleStatus.published)
        return self._mark_published(major)

    def publish_from_source(self, *, major: bool = False) -> bool:
        """Imported files were reviewed where they are kept: any state but archived becomes published."""
        self._move((ArticleStatus.draft, ArticleStatus.in_review, ArticleStatus.published), ArticleStatus.published)
        return self._mark_published(major)

    def _mark_published(self, major: bool) -> bool:
        self.published_revision_number = self.current_revision_number
        self.published_at = clock.now()
        ask_again = self.requires_ack and (major or self.ack_version == 0)
        if ask_again:
            self.ack_version += 1
        return ask_again

    def archive(self) -> None:
        self._move((ArticleStatus.published, ArticleStatus.draft, ArticleStatus.in_review), ArticleStatus.archived)

    def reopen(self) -> None:
        self._move((ArticleStatus.archived,), ArticleStatus.draft)

    def edited(self) -> None:
        """A saved change to a published article waits for review again; readers keep the published one."""
        if self.status is ArticleStatus.archived:
            raise ConflictError(_l("Reopen the archived article before editing it."), field="status",
                                code="archived")
        if self.status is ArticleStatus.published:
            self.status = ArticleStatus.draft

    @property
    def has_unpublished_changes(self) -> bool:
        return self.published_revision_number != self.current_revision_number

    def is_overdue(self, today: date) -> bool:
        return self.review_by is not None and self.review_by < today and self.status is not ArticleStatus.archived


class AudienceRule(db.Model):
    """An article with audience rules is seen only by people with one of the roles or in one of the departments."""

    __tablename__ = "kb_article_audiences"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    role: Mapped[str | None] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))

    article: Mapped[Article] = relationship(back_populates="audience")
    department: Mapped[Department | None] = relationship()


class Revision(db.Model):
    """Append-only: every save of an article is one revision."""

    __tablename__ = "kb_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    category: Mapped[str | None] = mapped_column(String(120))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16), default="web")  # web, import, restore
    note: Mapped[str] = mapped_column(String(200), default="")
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    article: Mapped[Article] = relationship(back_populates="revisions")
    author: Mapped[Employee | None] = relationship()

    __table_args__ = (UniqueConstraint("article_id", "number"),)


class Attachment(db.Model):
    """An image in an article, kept in the database so every app server can serve it."""

    __tablename__ = "kb_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    article: Mapped[Article] = relationship()


class Acknowledgement(db.Model):
    """'I have read and understood' for one acknowledgement version of a policy."""

    __tablename__ = "kb_acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    revision_number: Mapped[int] = mapped_column(Integer)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    employee: Mapped[Employee] = relationship()

    __table_args__ = (UniqueConstraint("article_id", "employee_id", "version"),)


class Feedback(db.Model):
    """'Was this helpful?': one answer per person and article, the latest wins."""

    __tablename__ = "kb_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    revision_number: Mapped[int] = mapped_column(Integer)
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    employee: Mapped[Employee | None] = relationship()

    __table_args__ = (UniqueConstraint("article_id", "employee_id"),)


class SearchDoc(db.Model):
    """What search sees of a readable article: the original text and its Kiwi tokens per field.

    The token columns feed the engine's index (SQLite FTS5 table `kb_search_fts`, PostgreSQL column
    `kb_search_docs.search_vector` with a GIN index); both are made by the migration, not by these models.
    """

    __tablename__ = "kb_search_docs"

    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))
    tags: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    title_tokens: Mapped[str] = mapped_column(Text, default="")
    tag_tokens: Mapped[str] = mapped_column(Text, default="")
    body_tokens: Mapped[str] = mapped_column(Text, default="")


class SearchQuery(db.Model):
    """Every search, with what it was normalised to and how many results the reader got."""

    __tablename__ = "search_queries"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200))
    normalised: Mapped[str] = mapped_column(String(400))
    hits: Mapped[int] = mapped_column(Integer)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, index=True)
