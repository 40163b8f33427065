"""Korean-aware search tokens from Kiwi: the same normalisation for documents and queries.

Kept: nouns (NNG, NNP), numerals (NR, SN), verb and adjective stems (VV, VA), roots (XR), foreign words
(SL) and Hanja (SH). Dropped: particles (J*), endings (E*), suffixes (XS*), punctuation and the like.
"연차휴가를 신청하려면" → 연차 휴가 신청. Latin words are lower-cased; "Wi-Fi" also yields "wifi".
Kiwi's model takes about 330 MB of memory: it loads once per process, on first use. With `ESS_TOKENISER_URL`
set, processes with an app context ask the tokeniser service (`ess.knowledge.tokeniser`) instead and never load
it, unless the service does not answer: then they tokenise here until it does again. Both give the same units.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from flask import current_app, has_app_context

from ess.knowledge import tokeniser

KEEP_TAGS = {"NNG", "NNP", "NR", "SN", "VV", "VA", "XR", "SL", "SH"}
# Stems too common to tell documents apart.
STOP = {"하", "되", "있", "없", "이", "않", "같", "그렇", "위하", "대하", "통하"}
_JOINED = re.compile(r"[A-Za-z0-9]+(?:[-.·][A-Za-z0-9]+)+")
_NOT_WORD = re.compile(r"[\W_]+")


@cache
def kiwi():
    from kiwipiepy import Kiwi

    # No worker threads: one request tokenises a few words. Without the multi-word dictionary (names written
    # as several words) each web worker holds about 330 MB instead of 520 MB; the handbook tokenises the same.
    return Kiwi(num_workers=-1, load_multi_dict=False)


def _clean(form: str) -> str:
    return _NOT_WORD.sub("", form).lower()


def _units(text: str) -> list[tuple[str, ...]]:
    """Kiwi's content morphemes grouped: from the tokeniser service when the app names one, else from here."""
    url = current_app.config.get("TOKENISER_URL") if has_app_context() else None
    if url:
        found = tokeniser.units(url, text, retry_seconds=current_app.config.get("TOKENISER_RETRY_SECONDS", 30),
                                logger=current_app.logger)
        if found is not None:
            return found
    return _local_units(text)


def _local_units(text: str) -> list[tuple[str, ...]]:
    """Kiwi's content morphemes grouped: nouns written together form one unit (비밀+번호), others stand alone."""
    units: list[tuple[str, ...]] = []
    run: list[str] = []
    run_end = -1
    for token in kiwi().tokenize(text):
        tag = token.tag.split("-")[0]  # Kiwi marks irregular stems as VV-I / VA-R
        form = _clean(token.form)
        if tag in ("NNG", "NNP"):
            if token.start != run_end and run:
                units.append(tuple(run))
                run = []
            run.append(form)
            run_end = token.start + token.len
            continue
        if run:
            units.append(tuple(run))
            run = []
        if tag in KEEP_TAGS and form and form not in STOP:
            units.append((form,))
    if run:
        units.append(tuple(run))
    return units


def _kept(unit: tuple[str, ...]) -> list[str]:
    return [form for form in unit if form and form not in STOP]


def tokens(text: str, *, compounds: bool = False) -> list[str]:
    """Content morphemes of `text`, in order, duplicates kept (they count as term frequency).

    With `compounds`, nouns written together are also kept joined (비밀+번호 → 비밀번호 too), since Kiwi
    splits the same compound differently in different sentences; documents are indexed that way.
    """
    if not text or not text.strip():
        return []
    return _flatten(_units(text), text, compounds=compounds)


def _flatten(units: list[tuple[str, ...]], text: str, *, compounds: bool) -> list[str]:
    found: list[str] = []
    for unit in units:
        found.extend(_kept(unit))
        if compounds and len(unit) > 1:
            found.append("".join(unit))
    for joined in _JOINED.findall(text):
        found.append(_clean(joined))
    return found


@lru_cache(maxsize=2048)
def _query_units(query: str) -> tuple[tuple[str, ...], ...]:
    """A query's units, tokenised once for both its terms and its groups."""
    return tuple(_units(query)) if query and query.strip() else ()


@dataclass(frozen=True)
class QueryGroup:
    """One thing the reader asked for: `whole`, or, for a compound Kiwi split, all of its `parts`.

    A document indexed where Kiwi kept 비밀번호 whole has no 번호 token, so a query split into 비밀 + 번호
    must also accept the joined form.
    """
    whole: str
    parts: tuple[str, ...] = ()


@lru_cache(maxsize=2048)
def query_groups(query: str) -> tuple[QueryGroup, ...]:
    """Distinct query groups in order of appearance."""
    seen: dict[QueryGroup, None] = {}
    for unit in _query_units(query):
        kept = _kept(unit)
        if len(unit) > 1:
            whole = "".join(unit)
            group = QueryGroup(whole, tuple(dict.fromkeys(kept))) if len(kept) > 1 else QueryGroup(whole)
        elif kept:
            group = QueryGroup(kept[0])
        else:
            continue
        seen.setdefault(group, None)
    for joined in _JOINED.findall(query):
        seen.setdefault(QueryGroup(_clean(joined)), None)
    return tuple(seen)


@lru_cache(maxsize=2048)
def query_terms(query: str) -> tuple[str, ...]:
    """Distinct query terms in order of appearance."""
    return tuple(dict.fromkeys(_flatten(list(_query_units(query)), query, compounds=False)))


def raw_words(query: str) -> list[str]:
    """Whitespace-separated words without punctuation, for the substring fallback."""
    return [w for w in (_clean(part) for part in query.split()) if w]
