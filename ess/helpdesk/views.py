"""Ask HR/IT pages: the question form with suggested articles, the thread, the team queue, shared answers
and HR's announcements."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ess.db import db
from ess.errors import DomainError
from ess.helpdesk import policy, services
from ess.helpdesk.models import STATE_LABELS, Announcement, Question, QuestionAttachment, QuestionState
from ess.security import allow, rate_limited, require

bp = Blueprint("helpdesk", __name__, url_prefix="/help")
STAFF = ("hr", "it_author")


def _me():
    return current_user._get_current_object()


def _question_or_404(question_id: int) -> Question:
    """Private by default: someone who may not see a question is told it does not exist."""
    question = db.session.get(Question, question_id)
    if question is None or not question.can_view(_me()):
        abort(404)
    return question


@bp.app_context_processor
def helpdesk_context():
    def helpdesk_home():
        if not current_user.is_authenticated:
            return None
        from ess.insights.services import popular_articles

        me = _me()
        return {"questions": services.my_questions(me, open_only=True)[:5],
                "announcements": services.announcements(pinned_only=True)[:5],
                "popular": popular_articles(me)}

    return {"helpdesk_home": helpdesk_home, "helpdesk_state_labels": STATE_LABELS,
            "helpdesk_topic_name": policy.topic_name}


@bp.get("/")
@allow("employee")
def index():
    me = _me()
    query = request.args.get("q", "")
    return render_template("helpdesk/index.html", questions=services.my_questions(me),
                           shared=services.shared_answers(query), query=query)


def _form(values: dict, *, errors=None, suggestions=None, searched=False, status=200):
    return render_template("helpdesk/ask.html", values=values, errors=errors or {}, topics=policy.topics(),
                           teams=policy.TEAMS, suggestions=suggestions or [], searched=searched), status


@bp.get("/ask")
@allow("employee")
def ask():
    return _form({"topic": request.args.get("topic", ""), "subject": request.args.get("subject", ""),
                  "details": ""})[0]


@bp.post("/ask")
@allow("employee")
@rate_limited("question")
def ask_post():
    me = _me()
    values = {key: request.form.get(key, "") for key in ("topic", "subject", "details")}
    action = request.form.get("action", "send")
    answered_by = request.form.get("answered_by") or None
    if action == "find" and not answered_by:
        # Without JavaScript: the "find answers" step shows the articles that may answer it.
        suggestions = services.suggest_articles(me, values["subject"], log=True)
        db.session.commit()  # the search log
        return _form(values, suggestions=suggestions, searched=True)[0]
    upload = request.files.get("attachment")
    file = services.Upload(upload.filename, upload.read(services.MAX_ATTACHMENT_BYTES + 1)) \
        if upload is not None and upload.filename else None
    try:
        question = services.ask(me, topic=values["topic"], subject=values["subject"], details=values["details"],
                                upload=file, answered_by=answered_by)
    except DomainError as error:
        db.session.rollback()
        return _form(values, errors={error.field or "subject": error.message}, status=error.status)
    db.session.commit()
    if question.state is QuestionState.self_served:
        flash(_("Glad the article helped. We noted it; nobody on the team was asked."), "success")
    else:
        flash(_("Your question was sent to %(team)s. You will get an e-mail when they answer.",
                team=policy.TEAMS[question.team]), "success")
    return redirect(url_for("helpdesk.question", question_id=question.id))


def _render_question(item: Question, *, errors=None, typed_body: str = "", status: int = 200):
    me = _me()
    answers = services.staff_answers(item)
    return render_template(
        "helpdesk/question.html", question=item, me=me, staff=item.can_answer(me),
        state_labels=STATE_LABELS, teams=policy.TEAMS, topic_name=policy.topic_name(item.topic),
        article=db.session.get(services.Article, item.self_served_article_id) if item.self_served_article_id
        else None,
        share_subject=item.public_subject or services.anonymise(item.subject, item.asker),
        share_answer=item.public_answer or services.anonymise("\n\n".join(m.body for m in answers), item.asker),
        errors=errors or {}, typed_body=typed_body), status


@bp.get("/q/<int:question_id>")
@allow("employee")
def question(question_id: int):
    return _render_question(_question_or_404(question_id))[0]


@bp.post("/q/<int:question_id>/reply")
@allow("employee")
@rate_limited("question")
def reply(question_id: int):
    item = _question_or_404(question_id)
    body = request.form.get("body", "")
    try:
        services.reply(_me(), item, body)
    except DomainError as error:
        db.session.rollback()
        return _render_question(_question_or_404(question_id), errors={error.field or "body": error.message},
                                typed_body=body, status=error.status)
    db.session.commit()
    flash(_("Your reply was added."), "success")
    return redirect(url_for("helpdesk.question", question_id=item.id, _anchor="thread"))


@bp.post("/q/<int:question_id>/resolve")
@allow("employee")
def resolve(question_id: int):
    item = _question_or_404(question_id)
    services.resolve(_me(), item)
    db.session.commit()
    flash(_("Marked as resolved. Thank you."), "success")
    return redirect(url_for("helpdesk.question", question_id=item.id))


@bp.post("/q/<int:question_id>/article")
@allow(*STAFF)
def draft_article(question_id: int):
    item = _question_or_404(question_id)
    article = services.draft_article(_me(), item)
    db.session.commit()
    flash(_("A draft article was made from the answer. Edit it, then send it for review."), "success")
    return redirect(url_for("knowledge.edit", slug=article.slug))


@bp.post("/q/<int:question_id>/share")
@allow(*STAFF)
def share(question_id: int):
    item = _question_or_404(question_id)
    services.publish_shared(_me(), item, request.form.get("public_subject", ""),
                            request.form.get("public_answer", ""))
    db.session.commit()
    flash(_("The anonymised question and answer are now shared with everyone."), "success")
    return redirect(url_for("helpdesk.shared", question_id=item.id))


@bp.post("/q/<int:question_id>/unshare")
@allow(*STAFF)
def unshare(question_id: int):
    item = _question_or_404(question_id)
    services.unpublish_shared(_me(), item)
    db.session.commit()
    flash(_("The shared answer was withdrawn."), "success")
    return redirect(url_for("helpdesk.question", question_id=item.id))


@bp.get("/q/<int:question_id>/files/<int:attachment_id>")
@allow("employee")
def attachment(question_id: int, attachment_id: int):
    item = _question_or_404(question_id)
    file = db.session.get(QuestionAttachment, attachment_id)
    if file is None or file.question_id != item.id:
        abort(404)
    response = Response(file.data, mimetype=file.content_type)
    response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(file.filename, safe="")
    return response


@bp.get("/queue")
@allow(*STAFF)
def queue():
    me = _me()
    state = request.args.get("state", "open")
    if state not in services.QUEUE_STATES:
        state = "open"
    return render_template("helpdesk/queue.html", questions=services.team_queue(me, state), state=state,
                           state_labels=STATE_LABELS, teams=[policy.TEAMS[t] for t in policy.teams_of(me)])


@bp.get("/shared/<int:question_id>")
@allow("employee")
def shared(question_id: int):
    me = _me()
    item = db.session.get(Question, question_id)
    if item is None or not item.public:
        abort(404)
    return render_template("helpdesk/shared.html", question=item, votes=services.helpful_count(item),
                           voted=services.has_voted(me, item), topic_name=policy.topic_name(item.topic),
                           staff=item.can_answer(me))


@bp.post("/shared/<int:question_id>/helpful")
@allow("employee")
def vote(question_id: int):
    item = db.session.get(Question, question_id)
    if item is None or not item.public:
        abort(404)
    counted = services.vote_helpful(_me(), item)
    db.session.commit()
    flash(_("Thank you. Your vote was counted.") if counted else _("You already said this helped."), "success")
    return redirect(url_for("helpdesk.shared", question_id=item.id))


@bp.get("/announcements")
@allow("hr")
def announcements():
    return render_template("helpdesk/announcements.html", announcement_list=services.announcements(), values={}, errors={})


@bp.post("/announcements")
@allow("hr")
def create_announcement():
    values = {key: request.form.get(key, "") for key in ("title", "body")}
    try:
        services.create_announcement(_me(), values["title"], values["body"], pinned=request.form.get("pinned") == "1")
    except DomainError as error:
        db.session.rollback()
        return render_template("helpdesk/announcements.html", announcement_list=services.announcements(), values=values,
                               errors={error.field: error.message}), error.status
    db.session.commit()
    flash(_("Announcement saved."), "success")
    return redirect(url_for("helpdesk.announcements"))


@bp.post("/announcements/<int:announcement_id>/pin")
@allow("hr")
def pin(announcement_id: int):
    item = db.session.get(Announcement, announcement_id)
    if item is None:
        abort(404)
    pinned = request.form.get("pinned") == "1"
    services.set_pinned(_me(), item, pinned)
    db.session.commit()
    flash(_("Pinned to the home page.") if pinned else _("Removed from the home page."), "success")
    return redirect(url_for("helpdesk.announcements"))
