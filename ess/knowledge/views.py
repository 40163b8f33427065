"""Knowledge-base pages: reading and searching for everyone, writing and reviewing for authors."""
from __future__ import annotations

import csv
import io
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from ess import clock
from ess.db import db
from ess.errors import DomainError
from ess.knowledge import forms, services
from ess.knowledge.markdown import render
from ess.knowledge.models import SPACES, STATUS_LABELS, ArticleStatus, Attachment
from ess.people.directory import departments
from ess.security import allow, rate_limited, require

bp = Blueprint("knowledge", __name__, url_prefix="/kb")
AUTHORS = ("hr", "it_author", "admin")


def _me():
    return current_user._get_current_object()


def _article_or_404(slug: str):
    article = services.get_article(slug)
    if article is None:
        abort(404)
    return article


@bp.app_context_processor
def knowledge_context():
    """Templates ask for these only when they show them (home: policies still to confirm)."""
    def pending_acknowledgements():
        if not current_user.is_authenticated:
            return []
        return services.pending_acknowledgements(_me())

    return {"kb_pending_acknowledgements": pending_acknowledgements}


# Reading --------------------------------------------------------------------------------------------
@bp.get("/")
@allow("employee")
def index():
    me = _me()
    articles = services.one_per_language_family(services.readable_articles(me), str(get_locale()))
    by_space = {key: [a for a in articles if a.space == key] for key in SPACES}
    return render_template("knowledge/index.html", spaces=SPACES, by_space=by_space, me=me,
                           is_author=bool(me.roles & set(AUTHORS)))


@bp.get("/search")
@allow("employee")
@rate_limited("search")
def search_page():
    query = request.args.get("q", "")
    page = max(request.args.get("page", 1, type=int), 1)
    result = services.search_articles(_me(), query, limit=20, offset=(page - 1) * 20) if query.strip() else None
    # Each hit names its space: translated once here rather than once per hit.
    html = render_template("knowledge/search.html", query=query, result=result, page=page,
                           space_names={key: str(space.name) for key, space in SPACES.items()})
    # The query log. After rendering: a commit expires the hits, and each would be read again.
    db.session.commit()
    return html


@bp.get("/a/<slug>")
@allow("employee")
def article(slug: str):
    me = _me()
    found = services.get_article_to_read(slug)
    if found is None:
        abort(404)
    article, published = found
    require(article.can_read(me))
    number = article.published_revision_number
    preview = request.args.get("revision", type=int)
    if preview is not None or number is None:
        require(article.can_edit(me))
        number = preview or article.current_revision_number
    revision = published if published is not None and published.number == number else services.get_revision(
        article, number)
    if revision is None:
        abort(404)
    rendered = render(revision.body or "")
    pending_ack = (article.requires_ack and article.is_visible and article.ack_version > 0
                   and article.audience_matches(me) and not services.has_acknowledged(me, article))
    translations = [t for t in services.other_languages(article) if t.can_read(me) and t.is_visible]
    return render_template(
        "knowledge/article.html", article=article, revision=revision, rendered=rendered, me=me,
        related=services.related_articles(me, article), pending_ack=pending_ack, translations=translations,
        status_labels=STATUS_LABELS, is_preview=number != article.published_revision_number,
        overdue=article.is_overdue(clock.today()),
    )


@bp.post("/a/<slug>/feedback")
@allow("employee")
def feedback(slug: str):
    me = _me()
    article = _article_or_404(slug)
    require(article.can_read(me) and article.is_visible)
    helpful = request.form.get("helpful")
    if helpful not in ("yes", "no"):
        raise DomainError(_("Choose yes or no."), field="helpful", code="required")
    services.give_feedback(me, article, helpful == "yes", request.form.get("comment", ""))
    db.session.commit()
    flash(_("Thank you for your feedback."), "success")
    return redirect(url_for("knowledge.article", slug=slug, _anchor="feedback"))


@bp.post("/a/<slug>/acknowledge")
@allow("employee")
def acknowledge(slug: str):
    me = _me()
    article = _article_or_404(slug)
    require(article.can_read(me))
    services.acknowledge(me, article)
    db.session.commit()
    flash(_("Thank you. Your confirmation was recorded."), "success")
    return redirect(url_for("knowledge.article", slug=slug))


@bp.get("/attachments/<int:attachment_id>/<filename>")
@allow("employee")
def attachment(attachment_id: int, filename: str):
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.filename != filename:
        abort(404)
    require(item.article.can_read(_me()))
    response = Response(item.data, mimetype=item.content_type)
    # `attachment` still lets <img> show it, but opening the link never renders it as a page of ours.
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(item.filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# Writing --------------------------------------------------------------------------------------------
@bp.get("/manage")
@allow(*AUTHORS)
def manage():
    me = _me()
    return render_template("knowledge/manage.html", articles=services.managed_articles(me),
                           overdue=services.overdue_articles(me), status_labels=STATUS_LABELS, spaces=SPACES,
                           today=clock.today())


def _editor(values: dict, *, article=None, errors=None, status=200):
    return render_template("knowledge/edit.html", values=values, article=article, errors=errors or {},
                           spaces=SPACES, departments=departments(),
                           role_choices=forms.AUDIENCE_ROLE_CHOICES), status


@bp.route("/new", methods=["GET", "POST"])
@allow(*AUTHORS)
def new():
    me = _me()
    if request.method == "GET":
        space = "hr" if "hr" in me.roles else "it"
        return _editor({"space": request.args.get("space", space), "lang": "ko",
                        "owner": me.employee_no, "audience_roles": [], "audience_departments": []})
    try:
        data = forms.article_from_form(request.form)
        article = services.create_article(me, data, note=request.form.get("note", ""))
    except DomainError as error:
        db.session.rollback()
        return _editor(request.form.to_dict() | {
            "audience_roles": request.form.getlist("audience_roles"),
            "audience_departments": request.form.getlist("audience_departments"),
            "requires_ack": request.form.get("requires_ack") == "1"}, errors={error.field: error.message},
            status=error.status)
    db.session.commit()
    flash(_("Draft saved."), "success")
    return redirect(url_for("knowledge.article", slug=article.slug, revision=article.current_revision_number))


@bp.route("/a/<slug>/edit", methods=["GET", "POST"])
@allow(*AUTHORS)
def edit(slug: str):
    me = _me()
    article = _article_or_404(slug)
    require(article.can_edit(me))
    if request.method == "GET":
        return _editor(forms.form_from_article(article), article=article)
    try:
        data = forms.article_from_form(request.form)
        changed = services.update_article(me, article, data, note=request.form.get("note", ""),
                                          base_revision=request.form.get("base_revision", type=int))
    except DomainError as error:
        db.session.rollback()
        return _editor(request.form.to_dict() | {
            "slug": article.slug,
            "audience_roles": request.form.getlist("audience_roles"),
            "audience_departments": request.form.getlist("audience_departments"),
            "requires_ack": request.form.get("requires_ack") == "1"}, article=article,
            errors={error.field: error.message}, status=error.status)
    db.session.commit()
    flash(_("Saved as revision %(number)s.", number=article.current_revision_number) if changed
          else _("Nothing changed."), "success")
    return redirect(url_for("knowledge.article", slug=slug, revision=article.current_revision_number))


TRANSITIONS = {
    "submit": services.submit_for_review,
    "publish": services.publish,
    "send_back": services.send_back,
    "archive": services.archive,
    "reopen": services.reopen,
}


@bp.post("/a/<slug>/status")
@allow(*AUTHORS)
def transition(slug: str):
    me = _me()
    article = _article_or_404(slug)
    require(article.can_edit(me))
    action = request.form.get("action", "")
    if action not in TRANSITIONS:
        raise DomainError(_("Unknown action."), field="action", code="invalid")
    if action == "publish":
        services.publish(me, article, major=request.form.get("major") == "1")
    else:
        TRANSITIONS[action](me, article)
    db.session.commit()
    flash(_("The article is now: %(status)s.", status=STATUS_LABELS[article.status]), "success")
    return redirect(url_for("knowledge.article", slug=slug,
                            revision=None if article.status is ArticleStatus.published else
                            article.current_revision_number))


@bp.get("/a/<slug>/history")
@allow(*AUTHORS)
def history(slug: str):
    me = _me()
    article = _article_or_404(slug)
    require(article.can_edit(me))
    revisions = list(reversed(article.revisions))
    old_number = request.args.get("from", type=int)
    new_number = request.args.get("to", type=int)
    diff = None
    if old_number and new_number:
        old, new_ = services.get_revision(article, old_number), services.get_revision(article, new_number)
        if old is None or new_ is None:
            abort(404)
        diff = services.diff_revisions(old, new_)
    return render_template("knowledge/history.html", article=article, revisions=revisions, diff=diff,
                           old_number=old_number, new_number=new_number)


@bp.post("/a/<slug>/restore")
@allow(*AUTHORS)
def restore(slug: str):
    me = _me()
    article = _article_or_404(slug)
    require(article.can_edit(me))
    number = request.form.get("revision", type=int)
    if not number:
        raise DomainError(_("Choose a revision."), field="revision", code="required")
    revision = services.restore_revision(me, article, number)
    db.session.commit()
    flash(_("Revision %(old)s restored as revision %(new)s.", old=number, new=revision.number), "success")
    return redirect(url_for("knowledge.history", slug=slug))


@bp.post("/a/<slug>/attachments")
@allow(*AUTHORS)
def upload(slug: str):
    me = _me()
    article = _article_or_404(slug)
    require(article.can_edit(me))
    upload = request.files.get("file")
    data = upload.read(services.MAX_ATTACHMENT_BYTES + 1) if upload else b""
    item = services.add_attachment(me, article, upload.filename if upload else "", data)
    db.session.commit()
    link = url_for("knowledge.attachment", attachment_id=item.id, filename=item.filename)
    flash(_("Image uploaded. Put it in the text with: %(markdown)s", markdown=f"![]({link})"), "success")
    return redirect(url_for("knowledge.edit", slug=slug))


# Acknowledgements -----------------------------------------------------------------------------------
@bp.get("/a/<slug>/acknowledgements")
@allow(*AUTHORS)
def acknowledgements(slug: str):
    article = _article_or_404(slug)
    report = services.acknowledgement_report(_me(), article)
    return render_template("knowledge/acknowledgements.html", article=article, report=report)


@bp.get("/a/<slug>/acknowledgements.csv")
@allow(*AUTHORS)
def acknowledgements_csv(slug: str):
    article = _article_or_404(slug)
    report = services.acknowledgement_report(_me(), article)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["employee_no", "name", "department", "acknowledged", "acknowledged_at", "revision"])
    for person, ack in report.confirmed:
        writer.writerow([person.employee_no, person.name, person.department.name if person.department else "",
                         "yes", ack.acknowledged_at.isoformat(timespec="seconds"), ack.revision_number])
    for person in report.missing:
        writer.writerow([person.employee_no, person.name, person.department.name if person.department else "",
                         "no", "", ""])
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename={article.slug}-acknowledgements.csv"
    return response
