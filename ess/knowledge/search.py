"""Search: keep the index in step with what readers can see, and answer queries in Korean and English.

Matching is done by the database's full-text index over Kiwi tokens (FTS5 on SQLite, tsvector + GIN on
PostgreSQL), terms AND-ed as prefixes (a compound: joined, or all its parts). Ranking is done here, in Python, over the matched documents' tokens,
so SQLite and PostgreSQL order results identically: title 3, tags 2.8, body 1 (log of the term frequency);
a whole-token match counts fully, a prefix match half. Short or zero-hit queries fall back to substring
matching over the original text, and then (for several words) to documents matching any of the terms. Snippets are cut from the original text, escaped, then marked.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import and_, column, exists, func, or_, select, text
from sqlalchemy.orm import joinedload, lazyload

from ess.db import db
from ess.knowledge import tokens as tk
from ess.knowledge.markdown import plain_text
from ess.knowledge.models import Article, ArticleStatus, AudienceRule, Revision, SearchDoc

WEIGHTS = {"title": 3.0, "tags": 2.8, "body": 1.0}
PREFIX_CREDIT = 0.5
MAX_QUERY = 200
SNIPPET_CHARS = 160


# Index -----------------------------------------------------------------------------------------------
def reindex(article: Article) -> None:
    """Make the index show the article's published revision to readers, or nothing when it is not readable.

    The engine's own index (FTS5 table or tsvector column) follows `kb_search_docs` by itself (triggers or a
    generated column, made by the migration).
    """
    doc = db.session.get(SearchDoc, article.id)
    if not article.is_visible:
        if doc is not None:
            db.session.delete(doc)
            db.session.flush()
        return
    revision = db.session.scalar(
        select(Revision).where(Revision.article_id == article.id, Revision.number == article.published_revision_number)
    )
    body = plain_text(revision.body)
    tags = " ".join(revision.tags or [])
    values = dict(
        lang=article.lang,
        title=revision.title,
        tags=tags,
        body="\n".join(part for part in (revision.summary, body) if part),
        title_tokens=" ".join(tk.tokens(revision.title, compounds=True)),
        tag_tokens=" ".join(tk.tokens(tags, compounds=True)),
        body_tokens=" ".join(tk.tokens(revision.summary + "\n" + body, compounds=True)),
    )
    if doc is None:
        db.session.add(SearchDoc(article_id=article.id, **values))
    else:
        # Delete and insert, so the engine's index sees one clean change.
        changed = any(getattr(doc, key) != value for key, value in values.items())
        if not changed:
            return
        for key, value in values.items():
            setattr(doc, key, value)
    db.session.flush()


# Who may read what ------------------------------------------------------------------------------------
def readable_by(user):
    """SQL condition: published, not archived, and in the reader's audience (admin sees every audience)."""
    condition = and_(Article.published_revision_number.is_not(None), Article.status != ArticleStatus.archived)
    roles = set(user.roles)
    if "admin" in roles:
        return condition
    departments = [d.id for d in user.department.path()] if user.department else []
    no_rules = ~exists().where(AudienceRule.article_id == Article.id)
    matches = exists().where(
        AudienceRule.article_id == Article.id,
        or_(AudienceRule.role.in_(sorted(roles)), AudienceRule.department_id.in_(departments or [-1])),
    )
    return and_(condition, or_(no_rules, matches))


# Query ------------------------------------------------------------------------------------------------
@dataclass
class Hit:
    article: Article
    doc: SearchDoc
    score: float
    snippet: Markup
    title_html: Markup


@dataclass
class Result:
    query: str
    terms: tuple[str, ...]
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    fallback: bool = False

    @property
    def normalised(self) -> str:
        return " ".join(self.terms)


def _engine_match(groups: tuple[tk.QueryGroup, ...], *, any_group: bool = False):
    """Documents holding every query group (or any, when asked) as token prefixes, by the database's own index.

    A group matches its whole form or all of its parts: 비밀번호* OR (비밀* AND 번호*).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        tsquery = _boolean(groups, lambda term: f"{term}:*", "&", "|", any_group)
        return text("kb_search_docs.search_vector @@ to_tsquery('simple', :tsq)").bindparams(tsq=tsquery)
    fts = _boolean(groups, lambda term: f'"{term}"*', "AND", "OR", any_group)
    matched = text("SELECT rowid FROM kb_search_fts WHERE kb_search_fts MATCH :fts").bindparams(fts=fts)
    return SearchDoc.article_id.in_(matched.columns(column("rowid")))


def _boolean(groups, prefix, and_op: str, or_op: str, any_group: bool) -> str:
    def group_expression(group):
        if not group.parts:
            return prefix(group.whole)
        parts = f" {and_op} ".join(prefix(part) for part in group.parts)
        return f"({prefix(group.whole)} {or_op} ({parts}))"
    return f" {or_op if any_group else and_op} ".join(group_expression(group) for group in groups)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _substring_match(words: list[str]):
    conditions = []
    for word in words:
        pattern = f"%{_escape_like(word)}%"
        conditions.append(or_(
            func.lower(SearchDoc.title).like(pattern, escape="\\"),
            func.lower(SearchDoc.tags).like(pattern, escape="\\"),
            func.lower(SearchDoc.body).like(pattern, escape="\\"),
        ))
    return and_(*conditions)


def _token_score(field_tokens: list[str], term: str) -> float:
    exact = sum(1 for token in field_tokens if token == term)
    prefix = sum(1 for token in field_tokens if token != term and token.startswith(term))
    return exact + PREFIX_CREDIT * prefix


def _score_term(fields: dict[str, list[str]], term: str) -> float:
    score = 0.0
    for name, field_tokens in fields.items():
        found = _token_score(field_tokens, term)
        if found:
            # Title and tags: present or not; body: grows slowly with repetition.
            score += WEIGHTS[name] * (min(found, 1.0) if name != "body" else 1 + math.log(found + 1) / 2)
    return score


def _score_tokens(doc: SearchDoc, groups: tuple[tk.QueryGroup, ...]) -> float:
    fields = {"title": doc.title_tokens.split(), "tags": doc.tag_tokens.split(), "body": doc.body_tokens.split()}
    score = 0.0
    for group in groups:
        whole = _score_term(fields, group.whole)
        if group.parts:
            # The joined form stands for every part it joins.
            whole = max(whole * len(group.parts), sum(_score_term(fields, part) for part in group.parts))
        score += whole
    return score


def _score_substrings(doc: SearchDoc, words: list[str]) -> float:
    fields = {"title": doc.title.lower(), "tags": doc.tags.lower(), "body": doc.body.lower()}
    score = 0.0
    for word in words:
        for name, value in fields.items():
            found = value.count(word)
            if found:
                score += WEIGHTS[name] * (1.0 if name != "body" else 1 + math.log(found + 1) / 2)
    return score


def _pattern(terms) -> re.Pattern | None:
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        return None
    # Neighbouring matches make one mark: 급여명세서, not 급여 + 명세서.
    return re.compile("(?:" + "|".join(re.escape(t) for t in terms) + ")+", re.IGNORECASE)


def highlight(value: str, pattern: re.Pattern | None) -> Markup:
    """Escape every piece of the original text, then wrap the matches in <mark>."""
    if pattern is None:
        return escape(value)
    out, last = [], 0
    for match in pattern.finditer(value):
        out.append(str(escape(value[last:match.start()])))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(str(escape(value[last:])))
    return Markup("".join(out))


def snippet(body: str, pattern: re.Pattern | None) -> Markup:
    body = " ".join(body.split())
    start = 0
    if pattern is not None:
        match = pattern.search(body)
        if match:
            start = max(0, match.start() - 40)
    window = body[start:start + SNIPPET_CHARS]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + SNIPPET_CHARS < len(body) else ""
    return Markup(prefix) + highlight(window, pattern) + Markup(suffix)


def run_query(user, query: str, limit: int = 10, offset: int = 0) -> Result:
    """Readable articles matching `query`, best first. Writes nothing."""
    query = " ".join((query or "").split())[:MAX_QUERY]
    terms = tk.query_terms(query)
    groups = tk.query_groups(query)
    result = Result(query=query, terms=terms)
    if not query:
        return result
    # readable_by applies the audience in SQL and hits show the doc's own tags: loading either relation for
    # every matching row would cost two statements that read much of both tables. Hits name their category,
    # a small table: joined here, it costs no statement per category.
    base = (select(SearchDoc, Article).join(Article, Article.id == SearchDoc.article_id).where(readable_by(user))
            .options(lazyload(Article.tags), lazyload(Article.audience), joinedload(Article.category)))
    rows = list(db.session.execute(base.where(_engine_match(groups)))) if groups else []
    words = list(terms)
    if rows:
        scored = [(_score_tokens(doc, groups), doc, article) for doc, article in rows]
    else:
        # Too short for a token (one syllable, only particles) or nothing found: look for substrings.
        words = list(terms) or tk.raw_words(query)
        if not words:
            return result
        result.fallback = True
        rows = list(db.session.execute(base.where(_substring_match(words))))
        scored = [(_score_substrings(doc, words), doc, article) for doc, article in rows]
        if not scored and len(groups) > 1:
            # A question in a sentence ("병가는 며칠"): any term may match; more matched terms rank higher.
            rows = list(db.session.execute(base.where(_engine_match(groups, any_group=True))))
            scored = [(_score_tokens(doc, groups), doc, article) for doc, article in rows]
    scored.sort(key=lambda item: (-round(item[0], 6), item[2].title, item[2].id))
    result.total = len(scored)
    pattern = _pattern(words)
    for score, doc, article in scored[offset:offset + limit]:
        result.hits.append(Hit(article=article, doc=doc, score=round(score, 3),
                               snippet=snippet(doc.body, pattern), title_html=highlight(doc.title, pattern)))
    return result
