"""Questions to HR/IT, their thread and attachments, helpful votes on shared answers, and announcements.

A question is private: only the asker and the staff of its team see it. Times are UTC; the working-hour
measures (first response, resolution) are computed by `ess.insights.workhours` from these stamps.
"""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ess import clock
from ess.db import UTCDateTime, db
import ess.knowledge.models  # noqa: F401,E402  (kb_articles, referenced by a foreign key below)
from ess.errors import ConflictError
from ess.helpdesk.policy import TEAM_ROLES
from ess.people.models import Employee


class QuestionState(enum.Enum):
    open = "open"              # waiting for the team
    answered = "answered"      # the team answered; the asker may reply or mark it resolved
    resolved = "resolved"      # the asker said the answer solved it
    self_served = "self_served"  # an article answered it before anyone on the team was asked


STATE_LABELS = {
    QuestionState.open: _l("Waiting for the team"),
    QuestionState.answered: _l("Answered"),
    QuestionState.resolved: _l("Resolved"),
    QuestionState.self_served: _l("Solved by an article"),
}
CLOSED = (QuestionState.resolved, QuestionState.self_served)


def _enum(cls):
    return Enum(cls, native_enum=False, length=16)


class Question(db.Model):
    __tablename__ = "helpdesk_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    # The asker's department when asking: analytics filter by it without following later moves.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    topic: Mapped[str] = mapped_column(String(40))
    team: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[QuestionState] = mapped_column(_enum(QuestionState), default=QuestionState.open)
    self_served_article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Shared Q&A: an anonymised copy staff chose to publish.
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    public_subject: Mapped[str | None] = mapped_column(String(200))
    public_answer: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    asker: Mapped[Employee] = relationship(foreign_keys=[asker_id])
    messages: Mapped[list[Message]] = relationship(back_populates="question", order_by="Message.id",
                                                   cascade="all, delete-orphan")
    attachments: Mapped[list[QuestionAttachment]] = relationship(
        back_populates="question", order_by="QuestionAttachment.id", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_helpdesk_questions_team_state", "team", "state", "created_at"),
        Index("ix_helpdesk_questions_asker", "asker_id", "created_at"),
        Index("ix_helpdesk_questions_created", "created_at"),
    )

    # Who may do what ------------------------------------------------------------------------------
    def is_staff(self, user) -> bool:
        return TEAM_ROLES[self.team] in user.roles

    def can_view(self, user) -> bool:
        return user.id == self.asker_id or self.is_staff(user)

    def can_answer(self, user) -> bool:
        return self.is_staff(user) and user.id != self.asker_id

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED

    @property
    def resolution(self) -> str | None:
        if self.state is QuestionState.self_served:
            return "self_served"
        if self.state is QuestionState.resolved:
            return "staff"
        return None

    # Transitions ----------------------------------------------------------------------------------
    def _refuse_closed(self) -> None:
        if self.state is QuestionState.self_served:
            raise ConflictError(_l("This question was solved by an article and is closed."), field="state",
                                code="closed")

    def staff_answered(self) -> None:
        self._refuse_closed()
        now = clock.now()
        if self.first_response_at is None:
            self.first_response_at = now
        self.state = QuestionState.answered
        self.resolved_at = None

    def asker_replied(self) -> None:
        self._refuse_closed()
        self.state = QuestionState.open
        self.resolved_at = None

    def resolve(self) -> None:
        if self.state is not QuestionState.answered:
            raise ConflictError(_l("A question can be marked resolved once the team has answered it."),
                                field="state", code="not_answered")
        self.state = QuestionState.resolved
        self.resolved_at = clock.now()

    def mark_self_served(self, article_id: int) -> None:
        if self.state is not QuestionState.open or self.first_response_at is not None:
            raise ConflictError(_l("This question is already with the team."), field="state", code="with_team")
        self.state = QuestionState.self_served
        self.self_served_article_id = article_id
        self.resolved_at = clock.now()


class Message(db.Model):
    """One entry of a question's thread: the asker's details and replies, the team's answers."""

    __tablename__ = "helpdesk_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_questions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    from_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    question: Mapped[Question] = relationship(back_populates="messages")
    author: Mapped[Employee | None] = relationship()


class QuestionAttachment(db.Model):
    """A file sent with a question, kept in the database (type sniffed, size checked)."""

    __tablename__ = "helpdesk_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_questions.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    question: Mapped[Question] = relationship(back_populates="attachments")


class HelpfulVote(db.Model):
    """'This helped me' on a shared answer: one per person."""

    __tablename__ = "helpdesk_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_questions.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    __table_args__ = (UniqueConstraint("question_id", "employee_id"),)


class Announcement(db.Model):
    """A notice HR writes; pinned ones appear on everybody's home page."""

    __tablename__ = "helpdesk_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    pinned: Mapped[bool] = mapped_column(Boolean, default=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    author: Mapped[Employee | None] = relationship()
