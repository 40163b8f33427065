"""Events the analytics count: article views and the answers to "Did you find what you were looking for?".

Who did it is kept only to count distinct people (the privacy threshold); no page shows it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ess import clock
from ess.db import UTCDateTime, db
import ess.knowledge.models  # noqa: F401,E402  (kb_articles, referenced by a foreign key below)


class ArticleView(db.Model):
    __tablename__ = "insights_article_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    __table_args__ = (
        Index("ix_insights_article_views_at", "at", "article_id"),
        Index("ix_insights_article_views_department", "department_id", "at"),
    )


class SearchFeedback(db.Model):
    __tablename__ = "insights_search_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200))
    found: Mapped[bool] = mapped_column(Boolean)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, index=True)
