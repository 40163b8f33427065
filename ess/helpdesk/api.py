"""Ask HR/IT JSON under /api/v1: the articles suggested while a question is typed, and my questions."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, url_for
from flask_login import current_user
from pydantic import BaseModel, Field

from ess.api.spec import operation, parse_query, respond
from ess.helpdesk import services
from ess.security import allow, rate_limited

bp = Blueprint("helpdesk_api", __name__, url_prefix="/api/v1")
TAGS = ("helpdesk",)


class SuggestIn(BaseModel):
    q: str = Field(min_length=1, max_length=200, description="the question's subject as typed so far")


class SuggestedArticle(BaseModel):
    id: int = Field(description="send as `answered_by` when this article answered the question")
    title: str
    space: str
    url: str


class SuggestOut(BaseModel):
    articles: list[SuggestedArticle]


class QuestionOut(BaseModel):
    id: int
    topic: str
    team: str
    subject: str
    state: str
    created_at: datetime
    url: str


class QuestionsOut(BaseModel):
    questions: list[QuestionOut]


@bp.get("/helpdesk/suggestions")
@allow("employee")
@rate_limited("search")
@operation("Articles that may answer a question being typed (not logged as a search)", query=SuggestIn,
           response=SuggestOut, errors=(422, 429), tags=TAGS)
def suggestions():
    query = parse_query(SuggestIn)
    hits = services.suggest_articles(current_user._get_current_object(), query.q)
    return respond(SuggestOut(articles=[
        SuggestedArticle(id=hit.article.id, title=hit.doc.title, space=hit.article.space,
                         url=url_for("knowledge.article", slug=hit.article.slug)) for hit in hits]))


@bp.get("/helpdesk/questions")
@allow("employee")
@operation("The caller's own questions to HR and IT, newest first", response=QuestionsOut, tags=TAGS)
def my_questions():
    return respond(QuestionsOut(questions=[
        QuestionOut(id=q.id, topic=q.topic, team=q.team, subject=q.subject, state=q.state.value,
                    created_at=q.created_at, url=url_for("helpdesk.question", question_id=q.id))
        for q in services.my_questions(current_user._get_current_object())]))
