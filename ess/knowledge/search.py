"""Search: keep the index in step with what readers can see, and answer queries in Korean and English.

Matching is done by the database's full-text index over Kiwi tokens (FTS5 on SQLite, tsvector + GIN on
PostgreSQL), terms AND-ed as prefixes (a compound: joined, or all its parts). Ranking is done here, in Python, over the matched documents' tokens,
so SQLite and PostgreSQL order results identically: title 3, tags 2.8, body 1 (log of the term frequency);
a whole-token match counts fully, a prefix match half. Short or zero-hit queries fall back to substring
matching over the original text, and then (for several words) to documents matching any of the terms. Snippets are cut from the original text, escaped, then marked.

A query costs one statement, which reads of every match only what scoring and the hits need (the token
columns, the title and text, the article's address, language and category), no whole rows: loading every
matched article and document cost ten milliseconds for a word found in 700 of 2,000 articles.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from markupsafe import Markup, escape
from sqlalchemy import Row, and_, bindparam, column, exists, func, or_, select, text

from ess.db import db
from ess.knowledge import tokens as tk
from ess.knowledge.markdown import plain_text
from ess.knowledge.models import (SPACES, Article, ArticleStatus, AudienceRule, Category, Revision, SearchDoc,
                                  Space)

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
    return _readable(*_audience(user))


def _audience(user) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """What decides which articles `user` may read: their roles and their departments up to the top."""
    roles = tuple(sorted(user.roles))
    if "admin" in roles:
        return ("admin",), ()
    return roles, tuple(d.id for d in user.department.path()) if user.department else ()


@lru_cache(maxsize=256)
def _readable(roles: tuple[str, ...], departments: tuple[int, ...]):
    # Made once per set of roles and departments (an expression is immutable and may be used in any number of
    # statements): building it took a third of a millisecond of every search and article view.
    if roles == ("admin",):
        return _published()
    return _in_audience(roles, departments or (-1,))


def _published():
    return and_(Article.published_revision_number.is_not(None), Article.status != ArticleStatus.archived)


def _in_audience(roles, departments):
    """Published and in the audience of `roles` or `departments` (values, or expanding parameters)."""
    no_rules = ~exists().where(AudienceRule.article_id == Article.id)
    matches = exists().where(
        AudienceRule.article_id == Article.id,
        or_(AudienceRule.role.in_(roles), AudienceRule.department_id.in_(departments)),
    )
    return and_(_published(), or_(no_rules, matches))


# Query ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FoundArticle:
    """What a hit shows of its article: all that the search page, the API and the helpdesk use."""
    id: int
    slug: str
    space: str
    lang: str
    category_name: str | None

    @property
    def space_info(self) -> Space:
        return SPACES[self.space]


@dataclass(frozen=True)
class FoundDoc:
    """The indexed text a hit was found in: the published title and text (summary and body)."""
    title: str
    body: str


@dataclass
class Hit:
    article: FoundArticle
    doc: FoundDoc
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


def _engine_query(groups: tuple[tk.QueryGroup, ...], dialect: str, *, any_group: bool = False) -> str:
    """The database's own query for documents holding every query group (or any, when asked) as token prefixes.

    A group matches its whole form or all of its parts: 비밀번호* OR (비밀* AND 번호*).
    """
    if dialect == "postgresql":
        return _boolean(groups, lambda term: f"{term}:*", "&", "|", any_group)
    return _boolean(groups, lambda term: f'"{term}"*', "AND", "OR", any_group)


def _engine_match(dialect: str):
    """The condition matching documents by the engine's index; the query itself is the parameter :match."""
    if dialect == "postgresql":
        return text("kb_search_docs.search_vector @@ to_tsquery('simple', :match)")
    matched = text("SELECT rowid FROM kb_search_fts WHERE kb_search_fts MATCH :match")
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


def _spaced(tokens: str) -> str:
    """A token column with a space of its own on each side of every token: " a  b  a " for "a b a".

    Tokens hold no whitespace (tokens._clean drops every non-word character), so counting " term" in it counts
    the tokens starting with term and counting " term " the tokens equal to it, in C instead of a Python loop
    over the split column; the counts, and so the scores, are the same as _token_score's.
    """
    return " " + tokens.replace(" ", "  ") + " "


def _token_scores(rows: list[Row], groups: tuple[tk.QueryGroup, ...]) -> list[float]:
    """The score of each row's document (its token columns, the row's last three) for these query groups.

    Title 3 and tags 2.8 when a term is there, body 1 + log(found + 1) / 2, where found counts whole-token
    matches fully and prefix matches half; a compound's joined form stands for every part it joins.
    Computed a term at a time over all documents, so the work per document is a few string counts rather
    than several Python calls (a word found in 700 documents: 4 ms to score one by one); the arithmetic and
    its order are the same as scoring one document after another.
    """
    title_tokens, tag_tokens, body_tokens = _columns(rows, 3)[-3:]
    fields = [(WEIGHTS["title"], False, [_spaced(tokens) for tokens in title_tokens]),
              (WEIGHTS["tags"], False, [_spaced(tokens) for tokens in tag_tokens]),
              (WEIGHTS["body"], True, [_spaced(tokens) for tokens in body_tokens])]
    term_scores: dict[str, list[float]] = {}

    def term_score(term: str) -> list[float]:
        if term in term_scores:
            return term_scores[term]
        per_field = []
        for weight, is_body, spaced in fields:
            if term:
                starts_with, equal_to = " " + term, " " + term + " "
                starts = [value.count(starts_with) for value in spaced]
                found = [(exact := value.count(equal_to)) + PREFIX_CREDIT * (n - exact) if n else 0
                         for value, n in zip(spaced, starts)]
            else:  # an empty term would match every gap between tokens: count it the slow, literal way
                found = [_token_score(value.split(), term) for value in spaced]
            # Title and tags: present or not; body: grows slowly with repetition.
            per_field.append([weight * (1 + math.log(f + 1) / 2) if f else 0.0 for f in found] if is_body
                             else [weight * min(f, 1.0) if f else 0.0 for f in found])
        term_scores[term] = [(title + tags) + body for title, tags, body in zip(*per_field)]
        return term_scores[term]

    total = [0.0] * len(body_tokens)
    for group in groups:
        whole = term_score(group.whole)
        if group.parts:
            parts = [term_score(part) for part in group.parts]
            whole = [max(joined * len(group.parts), sum(split)) for joined, *split in zip(whole, *parts)]
        total = [so_far + score for so_far, score in zip(total, whole)]
    return total


def _score_substrings(title: str, tags: str, body: str, words: list[str]) -> float:
    fields = {"title": title.lower(), "tags": tags.lower(), "body": body.lower()}
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


# What every match brings along besides what scores it: the ranking's tie-breakers (the article's id and
# title) and what a hit shows. Hits are made from these rows rather than from loaded articles: a second statement
# for the page's articles cost more than the few short columns here (the text, for the snippet, is the most).
# The tables' own columns, not the models': a plain SQL statement costs SQLAlchemy less per row.
_DOCS, _ARTICLES, _CATEGORIES = SearchDoc.__table__, Article.__table__, Category.__table__
_SHOWN = (_DOCS.c.article_id, _ARTICLES.c.title.label("article_title"), _ARTICLES.c.slug, _ARTICLES.c.space,
          _ARTICLES.c.lang, _CATEGORIES.c.name.label("category"), _DOCS.c.title, _DOCS.c.body)
_TOKENS = (_DOCS.c.title_tokens, _DOCS.c.tag_tokens, _DOCS.c.body_tokens)


def _ranking(readable, match, columns):
    """Every readable document `match` finds, with _SHOWN and the `columns` that score it."""
    return (select(*_SHOWN, *columns)
            .select_from(_DOCS.join(_ARTICLES, _ARTICLES.c.id == _DOCS.c.article_id)
                         .outerjoin(_CATEGORIES, _CATEGORIES.c.id == _ARTICLES.c.category_id))
            .where(readable, match))


@lru_cache(maxsize=8)
def _token_ranking(admin: bool, dialect: str):
    # Made once per database (the query and the reader's roles and departments are parameters): building the
    # statement for each search took a quarter of its time in SQLAlchemy, and one statement kept per audience
    # held about 26 KB each, hundreds in a large company.
    if admin:
        return _ranking(_published(), _engine_match(dialect), _TOKENS)
    audience = _in_audience(bindparam("audience_roles", expanding=True),
                            bindparam("audience_departments", expanding=True))
    return _ranking(audience, _engine_match(dialect), _TOKENS)


def _token_ranking_for(user, dialect: str):
    """The ranking statement for `user` and the parameters that name their audience."""
    roles, departments = _audience(user)
    if roles == ("admin",):
        return _token_ranking(True, dialect), {}
    return _token_ranking(False, dialect), {"audience_roles": list(roles),
                                             "audience_departments": list(departments or (-1,))}


def _rows(statement, parameters: dict) -> list[Row]:
    return db.session.execute(statement, parameters).all()


def _columns(rows: list[Row], width: int) -> list[tuple]:
    """The rows as columns (each a tuple over the rows; `width` empty ones for no rows): reading each row's
    fields by name took a quarter of a microsecond a field, for every document of a broad search."""
    return list(zip(*rows)) if rows else [() for _ in range(width)]


def run_query(user, query: str, limit: int = 10, offset: int = 0) -> Result:
    """Readable articles matching `query`, best first. Writes nothing."""
    query = " ".join((query or "").split())[:MAX_QUERY]
    terms = tk.query_terms(query)
    groups = tk.query_groups(query)
    result = Result(query=query, terms=terms)
    if not query:
        return result
    dialect = db.session.get_bind().dialect.name
    token_ranking, audience = _token_ranking_for(user, dialect)
    rows = _rows(token_ranking, {"match": _engine_query(groups, dialect), **audience}) if groups else []
    scores = _token_scores(rows, groups)
    words = list(terms)
    if not rows:
        # Too short for a token (one syllable, only particles) or nothing found: look for substrings.
        words = list(terms) or tk.raw_words(query)
        if not words:
            return result
        result.fallback = True
        rows = _rows(_ranking(readable_by(user), _substring_match(words), (_DOCS.c.tags,)), {})
        scores = [_score_substrings(row.title, row.tags, row.body, words) for row in rows]
        if not rows and len(groups) > 1:
            # A question in a sentence ("병가는 며칠"): any term may match; more matched terms rank higher.
            rows = _rows(token_ranking, {"match": _engine_query(groups, dialect, any_group=True), **audience})
            scores = _token_scores(rows, groups)
    # Best first, then by the article's title and id: the same order on every database.
    article_ids, titles = _columns(rows, 2)[:2]  # _SHOWN begins with the article's id and title
    keys = [(-round(score, 6), title, article_id) for score, title, article_id in zip(scores, titles, article_ids)]
    order = sorted(range(len(rows)), key=keys.__getitem__)
    result.total = len(rows)
    pattern = _pattern(words)
    for index in order[offset:offset + limit]:
        row = rows[index]
        result.hits.append(Hit(
            article=FoundArticle(id=row.article_id, slug=row.slug, space=row.space, lang=row.lang,
                                 category_name=row.category),
            doc=FoundDoc(title=row.title, body=row.body), score=round(scores[index], 3),
            snippet=snippet(row.body, pattern), title_html=highlight(row.title, pattern)))
    return result
