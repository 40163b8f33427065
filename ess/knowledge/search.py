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
from sqlalchemy import Row, and_, column, exists, func, or_, select, text

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


@lru_cache(maxsize=1024)
def _readable(roles: tuple[str, ...], departments: tuple[int, ...]):
    # Made once per set of roles and departments (an expression is immutable and may be used in any number of
    # statements): building it took a third of a millisecond of every search and article view.
    condition = and_(Article.published_revision_number.is_not(None), Article.status != ArticleStatus.archived)
    if roles == ("admin",):
        return condition
    no_rules = ~exists().where(AudienceRule.article_id == Article.id)
    matches = exists().where(
        AudienceRule.article_id == Article.id,
        or_(AudienceRule.role.in_(roles), AudienceRule.department_id.in_(departments or (-1,))),
    )
    return and_(condition, or_(no_rules, matches))


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


def _token_scorer(groups: tuple[tk.QueryGroup, ...]):
    """score(title_tokens, tag_tokens, body_tokens) of one document for these query groups.

    Title 3 and tags 2.8 when a term is there, body 1 + log(found + 1) / 2, where found counts whole-token
    matches fully and prefix matches half; a compound's joined form stands for every part it joins. The
    patterns are made once per query, not once per document.
    """
    patterns = {term: (" " + term, " " + term + " ") for group in groups for term in (group.whole, *group.parts)}
    title_weight, tags_weight, body_weight = WEIGHTS["title"], WEIGHTS["tags"], WEIGHTS["body"]

    def found(spaced: str, term: str) -> float:
        if not term:  # an empty term would match every gap between tokens: count it the slow, literal way
            return _token_score(spaced.split(), term)
        starts_with, equal_to = patterns[term]
        starts = spaced.count(starts_with)
        exact = spaced.count(equal_to) if starts else 0
        return exact + PREFIX_CREDIT * (starts - exact)

    def term_score(fields: tuple[str, str, str], term: str) -> float:
        title, tags, body = (found(spaced, term) for spaced in fields)
        score = 0.0
        # Title and tags: present or not; body: grows slowly with repetition.
        if title:
            score += title_weight * min(title, 1.0)
        if tags:
            score += tags_weight * min(tags, 1.0)
        if body:
            score += body_weight * (1 + math.log(body + 1) / 2)
        return score

    def score(title_tokens: str, tag_tokens: str, body_tokens: str) -> float:
        fields = (_spaced(title_tokens), _spaced(tag_tokens), _spaced(body_tokens))
        total = 0.0
        for group in groups:
            whole = term_score(fields, group.whole)
            if group.parts:
                whole = max(whole * len(group.parts), sum(term_score(fields, part) for part in group.parts))
            total += whole
        return total

    return score


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


# What every match brings along besides what scores it: the ranking's tie-breakers (the article's title and
# id) and what a hit shows. Hits are made from these rows rather than from loaded articles: a second statement
# for the page's articles cost more than the few short columns here (the text, for the snippet, is the most).
_SHOWN = (SearchDoc.article_id, Article.title.label("article_title"), Article.slug, Article.space, Article.lang,
          Category.name.label("category"), SearchDoc.title, SearchDoc.body)


_TOKENS = (SearchDoc.title_tokens, SearchDoc.tag_tokens, SearchDoc.body_tokens)


def _ranking(readable, match, columns):
    """Every readable document `match` finds, with _SHOWN and the `columns` that score it."""
    return (select(*_SHOWN, *columns).select_from(SearchDoc)
            .join(Article, Article.id == SearchDoc.article_id)
            .outerjoin(Category, Category.id == Article.category_id)
            .where(readable, match))


@lru_cache(maxsize=1024)
def _token_ranking(audience: tuple[tuple[str, ...], tuple[int, ...]], dialect: str):
    # Made once per audience and database (only the query differs, as a parameter): building the statement
    # for each search took a quarter of its time in SQLAlchemy.
    return _ranking(_readable(*audience), _engine_match(dialect), _TOKENS)


def _ranked(statement, parameters: dict, score) -> list[tuple[float, Row]]:
    """(score, row) of every row of the ranking `statement`."""
    return [(score(row), row) for row in db.session.execute(statement, parameters)]


def run_query(user, query: str, limit: int = 10, offset: int = 0) -> Result:
    """Readable articles matching `query`, best first. Writes nothing."""
    query = " ".join((query or "").split())[:MAX_QUERY]
    terms = tk.query_terms(query)
    groups = tk.query_groups(query)
    result = Result(query=query, terms=terms)
    if not query:
        return result
    scorer = _token_scorer(groups)
    by_tokens = lambda row: scorer(row.title_tokens, row.tag_tokens, row.body_tokens)  # noqa: E731
    dialect = db.session.get_bind().dialect.name
    token_ranking = _token_ranking(_audience(user), dialect)
    ranked = _ranked(token_ranking, {"match": _engine_query(groups, dialect)}, by_tokens) if groups else []
    words = list(terms)
    if not ranked:
        # Too short for a token (one syllable, only particles) or nothing found: look for substrings.
        words = list(terms) or tk.raw_words(query)
        if not words:
            return result
        result.fallback = True
        ranked = _ranked(_ranking(readable_by(user), _substring_match(words), (SearchDoc.tags,)), {},
                         lambda row: _score_substrings(row.title, row.tags, row.body, words))
        if not ranked and len(groups) > 1:
            # A question in a sentence ("병가는 며칠"): any term may match; more matched terms rank higher.
            ranked = _ranked(token_ranking, {"match": _engine_query(groups, dialect, any_group=True)}, by_tokens)
    # Best first, then by the article's title and id: the same order on every database.
    ranked.sort(key=lambda item: (-round(item[0], 6), item[1].article_title, item[1].article_id))
    result.total = len(ranked)
    pattern = _pattern(words)
    for score, row in ranked[offset:offset + limit]:
        result.hits.append(Hit(
            article=FoundArticle(id=row.article_id, slug=row.slug, space=row.space, lang=row.lang,
                                 category_name=row.category),
            doc=FoundDoc(title=row.title, body=row.body), score=round(score, 3), snippet=snippet(row.body, pattern),
            title_html=highlight(row.title, pattern)))
    return result
