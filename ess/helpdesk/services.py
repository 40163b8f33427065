"""Ask HR/IT use cases. Each takes the acting person, checks what they may do, flushes and never commits;
refusals are DomainErrors naming the field."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ess import audit, clock
from ess.db import db
from ess.errors import ConflictError, DomainError
from ess.helpdesk import policy
from ess.helpdesk.models import (CLOSED, Announcement, HelpfulVote, Message, Question, QuestionAttachment,
                                 QuestionState)
from ess.knowledge import services as knowledge
from ess.knowledge.models import Article
from ess.notify.services import queue_mail
from ess.uploads import safe_filename, sniff
from ess.people.models import Employee, EmployeeRole, EmployeeStatus

MAX_SUBJECT = 200
MAX_DETAILS = 5000
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
FILE_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp")


class Forbidden(DomainError):
    status = 403


@dataclass
class Upload:
    filename: str
    data: bytes


# Asking ------------------------------------------------------------------------------------------------
def _clean_question(topic_key: str, subject: str, details: str):
    topic = policy.topic(topic_key)
    if topic is None:
        raise DomainError(_l("Choose a topic."), field="topic", code="required")
    subject = " ".join((subject or "").split())
    if not subject:
        raise DomainError(_l("Enter a subject."), field="subject", code="required")
    if len(subject) > MAX_SUBJECT:
        raise DomainError(_l("The subject is longer than 200 characters."), field="subject", code="too_long")
    details = (details or "").strip().replace("\r\n", "\n")
    if len(details) > MAX_DETAILS:
        raise DomainError(_l("The details are longer than 5000 characters."), field="details", code="too_long")
    return topic, subject, details


def check_upload(upload: Upload) -> tuple[str, str]:
    """(content type, safe file name) of an acceptable upload; refuses empty, too large or other types."""
    if not upload.data:
        raise DomainError(_l("The file is empty."), field="attachment", code="required")
    if len(upload.data) > MAX_ATTACHMENT_BYTES:
        raise DomainError(_l("Attachments may be at most 5 MB."), field="attachment", code="too_large")
    sniffed = sniff(upload.data, FILE_TYPES)
    if sniffed is None:
        raise DomainError(_l("Only PDF, PNG, JPEG, GIF and WebP files can be attached."), field="attachment",
                          code="unsupported_type")
    return sniffed, safe_filename(upload.filename, sniffed)


def suggest_articles(actor, text: str, *, limit: int = 5, log: bool = False):
    """Articles that may answer a question, from the knowledge search (logged when the person asked)."""
    text = " ".join((text or "").split())
    if not text:
        return []
    if log:
        return knowledge.search_articles(actor, text, limit=limit).hits
    return knowledge.suggest(actor, text, limit=limit).hits


def _readable_article(actor, article_id) -> Article:
    article = db.session.get(Article, article_id) if str(article_id or "").isdigit() else None
    if article is None or not article.is_visible or not article.can_read(actor):
        raise DomainError(_l("That article cannot be found."), field="answered_by", code="not_found")
    return article


def _team_staff(team: str, *, besides: int | None = None) -> list[Employee]:
    return list(db.session.scalars(
        select(Employee).join(EmployeeRole).where(
            EmployeeRole.role == policy.TEAM_ROLES[team], Employee.status == EmployeeStatus.active,
            Employee.id != (besides or -1)).order_by(Employee.id)))


def ask(actor, *, topic: str, subject: str, details: str = "", upload: Upload | None = None,
        answered_by: int | str | None = None) -> Question:
    """Ask the team; or, with `answered_by`, record that an article answered it (nothing goes to staff)."""
    found_topic, subject, details = _clean_question(topic, subject, details)
    article = _readable_article(actor, answered_by) if answered_by else None
    checked = check_upload(upload) if (upload is not None and not article) else None
    question = Question(asker_id=actor.id, department_id=actor.department_id, topic=found_topic.key,
                        team=found_topic.team, subject=subject, details=details, state=QuestionState.open,
                        created_at=clock.now())
    db.session.add(question)
    if details:
        question.messages.append(Message(author_id=actor.id, from_staff=False, body=details))
    if checked:
        content_type, filename = checked
        question.attachments.append(QuestionAttachment(
            filename=filename, content_type=content_type, size=len(upload.data),
            sha256=hashlib.sha256(upload.data).hexdigest(), data=upload.data))
    if article is not None:
        question.mark_self_served(article.id)
    db.session.flush()
    audit.record("helpdesk.question.self_served" if article else "helpdesk.question.asked", actor=actor,
                 subject=question, changes={"topic": question.topic, "team": question.team,
                                            "article": article.id if article else None})
    if article is None:
        for person in _team_staff(question.team, besides=actor.id):
            queue_mail(person, "helpdesk/new_question", topic="helpdesk.asked", question=question,
                       topic_name=found_topic.name, link=f"/help/q/{question.id}")
    return question


# The thread --------------------------------------------------------------------------------------------
def reply(actor, question: Question, body: str) -> Message:
    """The team answers (the asker is told by mail), or the asker replies (back to the team)."""
    body = (body or "").strip().replace("\r\n", "\n")
    if not body:
        raise DomainError(_l("Write a reply."), field="body", code="required")
    if len(body) > MAX_DETAILS:
        raise DomainError(_l("The reply is longer than 5000 characters."), field="body", code="too_long")
    staff = question.can_answer(actor)
    if not staff and actor.id != question.asker_id:
        raise Forbidden(_l("Only the asker and the team can write here."), field="body", code="forbidden")
    before = question.state.value
    if staff:
        question.staff_answered()
    else:
        question.asker_replied()
    message = Message(question=question, author_id=actor.id, from_staff=staff, body=body, created_at=clock.now())
    db.session.add(message)
    db.session.flush()
    audit.record("helpdesk.question.answered" if staff else "helpdesk.question.replied", actor=actor,
                 subject=question, changes={"state": {"before": before, "after": question.state.value}})
    if staff:
        queue_mail(question.asker, "helpdesk/answered", topic="helpdesk.answered", question=question,
                   message=message, link=f"/help/q/{question.id}")
    return message


def resolve(actor, question: Question) -> None:
    if actor.id != question.asker_id:
        raise Forbidden(_l("Only the person who asked can mark the question resolved."), field="state",
                        code="forbidden")
    before = question.state.value
    question.resolve()
    db.session.flush()
    audit.record("helpdesk.question.resolved", actor=actor, subject=question,
                 changes={"state": {"before": before, "after": question.state.value}})


def _require_staff(actor, question: Question) -> None:
    if not question.can_answer(actor):
        raise Forbidden(_l("Only the team answering this question can do this."), field="question",
                        code="forbidden")


def staff_answers(question: Question) -> list[Message]:
    return [m for m in question.messages if m.from_staff]


def anonymise(text: str, asker: Employee) -> str:
    """Remove what names the asker (name, English name, e-mail, employee number) from a text."""
    out = text or ""
    for value in (asker.email, asker.employee_no, asker.name_en, asker.name):
        if value:
            out = re.sub(re.escape(value), "○○○", out, flags=re.IGNORECASE)
    return out


def draft_article(actor, question: Question) -> Article:
    """Turn the team's answer into a DRAFT article through the knowledge services (never published here)."""
    _require_staff(actor, question)
    answers = staff_answers(question)
    if not answers:
        raise ConflictError(_l("Answer the question before making an article of it."), field="question",
                            code="not_answered")
    slug, n = f"question-{question.id}", 1
    while db.session.scalar(select(func.count()).select_from(Article).where(Article.slug == slug)):
        n += 1
        slug = f"question-{question.id}-{n}"
    body = "\n\n".join(anonymise(m.body, question.asker) for m in answers)
    data = knowledge.ArticleData(title=anonymise(question.subject, question.asker), slug=slug,
                                 space=question.team, lang="ko", summary="", body=body,
                                 tags=[question.topic.replace("_", "-")])
    article = knowledge.create_article(actor, data, note=f"from question {question.id}")
    audit.record("helpdesk.question.drafted", actor=actor, subject=question, changes={"article": article.id})
    return article


def publish_shared(actor, question: Question, subject: str, answer: str) -> None:
    """Publish an anonymised copy as shared Q&A; whatever still names the asker is removed again."""
    _require_staff(actor, question)
    subject = anonymise(" ".join((subject or "").split()), question.asker)
    answer = anonymise((answer or "").strip().replace("\r\n", "\n"), question.asker)
    if not subject:
        raise DomainError(_l("Enter a subject."), field="public_subject", code="required")
    if len(subject) > MAX_SUBJECT:
        raise DomainError(_l("The subject is longer than 200 characters."), field="public_subject",
                          code="too_long")
    if not answer:
        raise DomainError(_l("Write the answer to share."), field="public_answer", code="required")
    question.public, question.public_subject, question.public_answer = True, subject, answer[:MAX_DETAILS]
    question.published_at = clock.now()
    db.session.flush()
    audit.record("helpdesk.question.shared", actor=actor, subject=question)


def unpublish_shared(actor, question: Question) -> None:
    _require_staff(actor, question)
    question.public = False
    db.session.flush()
    audit.record("helpdesk.question.unshared", actor=actor, subject=question)


def vote_helpful(actor, question: Question) -> bool:
    """Returns False when this person had already voted."""
    if not question.public:
        raise DomainError(_l("This answer is not shared."), field="question", code="not_found", status=404)
    exists = db.session.scalar(select(func.count()).select_from(HelpfulVote).where(
        HelpfulVote.question_id == question.id, HelpfulVote.employee_id == actor.id))
    if exists:
        return False
    db.session.add(HelpfulVote(question_id=question.id, employee_id=actor.id))
    db.session.flush()
    return True


def helpful_count(question: Question) -> int:
    return db.session.scalar(select(func.count()).select_from(HelpfulVote).where(
        HelpfulVote.question_id == question.id)) or 0


def has_voted(user, question: Question) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(HelpfulVote).where(
        HelpfulVote.question_id == question.id, HelpfulVote.employee_id == user.id)))


# Lists -------------------------------------------------------------------------------------------------
def my_questions(user, *, open_only: bool = False) -> list[Question]:
    statement = select(Question).where(Question.asker_id == user.id)
    if open_only:
        statement = statement.where(Question.state.not_in(CLOSED))
    return list(db.session.scalars(statement.order_by(Question.created_at.desc(), Question.id.desc())))


QUEUE_STATES = {"open": [QuestionState.open], "answered": [QuestionState.answered],
                "closed": list(CLOSED), "all": list(QuestionState)}


def team_queue(user, state: str = "open") -> list[Question]:
    teams = policy.teams_of(user)
    if not teams:
        return []
    states = QUEUE_STATES.get(state, QUEUE_STATES["open"])
    return list(db.session.scalars(
        select(Question).where(Question.team.in_(teams), Question.state.in_(states),
                               Question.asker_id != user.id)
        .order_by(Question.created_at, Question.id).limit(200)))


def waiting_count(user) -> int:
    teams = policy.teams_of(user)
    if not teams:
        return 0
    return db.session.scalar(select(func.count()).select_from(Question).where(
        Question.team.in_(teams), Question.state == QuestionState.open, Question.asker_id != user.id)) or 0


def shared_answers(query: str = "", limit: int = 30) -> list[Question]:
    statement = select(Question).where(Question.public.is_(True))
    words = (query or "").split()
    for word in words[:5]:
        pattern = f"%{word.lower().replace('%', '').replace('_', '')}%"
        statement = statement.where(func.lower(Question.public_subject + " " + Question.public_answer)
                                    .like(pattern))
    return list(db.session.scalars(statement.order_by(Question.published_at.desc()).limit(limit)))


# Announcements -----------------------------------------------------------------------------------------
def _require_hr(actor) -> None:
    if "hr" not in actor.roles:
        raise Forbidden(_l("Only HR can manage announcements."), field="title", code="forbidden")


def create_announcement(actor, title: str, body: str = "", pinned: bool = True) -> Announcement:
    _require_hr(actor)
    title = " ".join((title or "").split())
    if not title:
        raise DomainError(_l("Enter a title."), field="title", code="required")
    if len(title) > 200:
        raise DomainError(_l("The title is longer than 200 characters."), field="title", code="too_long")
    body = (body or "").strip()
    if len(body) > MAX_DETAILS:
        raise DomainError(_l("The text is too long."), field="body", code="too_long")
    announcement = Announcement(title=title, body=body, pinned=pinned, author_id=actor.id)
    db.session.add(announcement)
    db.session.flush()
    audit.record("helpdesk.announcement.created", actor=actor, subject=announcement, changes={"pinned": pinned})
    return announcement


def set_pinned(actor, announcement: Announcement, pinned: bool) -> None:
    _require_hr(actor)
    if announcement.pinned != pinned:
        announcement.pinned = pinned
        db.session.flush()
        audit.record("helpdesk.announcement.pinned" if pinned else "helpdesk.announcement.unpinned",
                     actor=actor, subject=announcement)


def announcements(*, pinned_only: bool = False) -> list[Announcement]:
    statement = select(Announcement)
    if pinned_only:
        statement = statement.where(Announcement.pinned.is_(True))
    return list(db.session.scalars(statement.order_by(Announcement.created_at.desc(), Announcement.id.desc())
                                   .limit(50)))
