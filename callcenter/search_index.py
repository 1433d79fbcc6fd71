"""Free-text search over encrypted summaries, through keyed word digests.

A summary is split into words; each word and its stem (the word without a trailing Korean
particle such as 을, 에서 or 으로) becomes a 64-bit HMAC digest stored in `consultation_terms`.
A query matches the consultations that hold the digests of all its words. Without the lookup key
the table tells nobody which words were written.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    SQLColumnExpression,
    and_,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    true,
)
from sqlalchemy.orm import Session

from callcenter.crypto import keyring
from callcenter.models import ConsultationTerm

# Longest first, so "에서" is removed rather than just "서".
PARTICLES = sorted(
    (
        *("은", "는", "이", "가", "을", "를", "에", "의", "도", "만", "와", "과", "로"),
        *("으로", "에서", "에게", "한테", "께", "까지", "부터", "보다", "처럼", "이나"),
        *("나", "랑", "이랑", "하고", "이라고", "라고", "이에요", "예요", "입니다"),
        *("했음", "함", "요"),
    ),
    key=len,
    reverse=True,
)
WORD = re.compile(r"[\w]+", re.UNICODE)
MIN_LENGTH = 2
MAX_TERMS = 200
# A word found in at most this many consultations is searched from the index outwards.
RARE = 5000


def words(text: str) -> set[str]:
    """Return the searchable words of a text: each word and its particle-free stem."""
    found: set[str] = set()
    for raw in WORD.findall(unicodedata.normalize("NFC", text or "").lower()):
        if len(raw) < MIN_LENGTH:
            continue
        found.add(raw)
        for particle in PARTICLES:
            if raw.endswith(particle) and len(raw) - len(particle) >= MIN_LENGTH:
                found.add(raw[: -len(particle)])
                break
    return found


def term_digest(word: str) -> int:
    """Return the signed 64-bit keyed digest of one word."""
    raw = hmac.new(keyring.lookup_key, b"term:" + word.encode(), hashlib.sha256).digest()
    return int.from_bytes(raw[:8], "big", signed=True)


def digests(text: str) -> list[int]:
    """Return the digests a text is indexed under."""
    return sorted({term_digest(w) for w in words(text)})[:MAX_TERMS]


def query_digests(query: str) -> list[int]:
    """Return the digests a search must all find; stems let 임금을 find 임금."""
    wanted: set[int] = set()
    for raw in WORD.findall(unicodedata.normalize("NFC", query or "").lower()):
        if len(raw) < MIN_LENGTH:
            continue
        stems = sorted(words(raw), key=len)
        wanted.add(term_digest(stems[0]))
    return sorted(wanted)


def reindex(session: Session, consultation_id: int, summary: str | None) -> None:
    """Replace a consultation's index entries. Does not commit."""
    session.execute(
        delete(ConsultationTerm).where(ConsultationTerm.consultation_id == consultation_id)
    )
    terms = digests(summary or "")
    if terms:
        session.execute(
            insert(ConsultationTerm),
            [{"term": t, "consultation_id": consultation_id} for t in terms],
        )


@dataclass(frozen=True)
class Match:
    """How to narrow a query to the consultations holding every searched word.

    `ids` lists every candidate when the rarest word is rare (the database then looks up a
    few rows by key); otherwise `terms` are checked row by row while the list is walked in
    date order, which stops as soon as a page is full.
    """

    ids: list[int] | None
    terms: list[int]
    as_array: bool = False  # PostgreSQL takes the ids as one array parameter

    def clause(self, id_column: SQLColumnExpression[int]) -> ColumnElement[bool]:
        """Return the WHERE clause for a consultation id column."""
        checks: list[ColumnElement[bool]] = [
            exists().where(
                ConsultationTerm.term == term, ConsultationTerm.consultation_id == id_column
            )
            for term in self.terms
        ]
        if self.ids is not None:
            if self.as_array and self.ids:
                checks.insert(0, id_column == any_(bindparam("ids", self.ids, ARRAY(Integer))))
            else:
                checks.insert(0, id_column.in_(self.ids))
        return and_(*checks) if checks else true()


def match(session: Session, query: str, rare: int = RARE) -> Match | None:
    """Plan a search: None when the query has no searchable word."""
    terms = query_digests(query)
    if not terms:
        return None
    # Count each word's consultations, stopping at the threshold: cheap even for common words.
    counts = {}
    for term in terms:
        capped = (
            select(ConsultationTerm.consultation_id)
            .where(ConsultationTerm.term == term)
            .limit(rare + 1)
            .subquery()
        )
        counts[term] = session.scalar(select(func.count()).select_from(capped)) or 0
    rarest_term = min(terms, key=lambda t: counts[t])
    if counts[rarest_term] == 0:
        return Match([], [])
    if counts[rarest_term] > rare:
        return Match(None, terms)
    rarest = list(
        session.scalars(
            select(ConsultationTerm.consultation_id).where(ConsultationTerm.term == rarest_term)
        )
    )
    postgres = session.get_bind().dialect.name == "postgresql"
    return Match(rarest, [t for t in terms if t != rarest_term], as_array=postgres)
