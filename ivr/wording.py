"""Coordinators' wording of the line's prompts: checked against the catalogue, saved, reset.

The worker that saves a change reloads its overrides at once; the others reload theirs on the
first webhook they answer once their copy is older than 30 seconds
(`prompts.refresh_overrides`, called for every webhook but the fallback URL).
"""

from __future__ import annotations

from string import Formatter

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter import clock
from callcenter.characters import has_unsafe
from callcenter.models import PromptOverride, User
from ivr.prompts import CATALOGUE, default_text

LANGUAGES = ("ko", "en")
# Twilio's <Say> takes far longer texts; a prompt longer than this is not a prompt any more.
MAX_LENGTH = 1000


class WordingError(ValueError):
    """Raised for wording the line cannot speak in place of a prompt."""

    def __init__(self, reason: str, expected: frozenset[str] = frozenset()) -> None:
        super().__init__(reason)
        self.reason = reason  # empty, too_long, control, braces, placeholders
        self.expected = expected


def placeholders(template: str) -> frozenset[str]:
    """Return the `{...}` fields of a template as written; ValueError for stray braces."""
    fields = set()
    for _literal, name, spec, conversion in Formatter().parse(template):
        if name is not None:
            written = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            fields.add(f"{{{written}}}")
    return frozenset(fields)


def is_prompt(key: str, language: str) -> bool:
    """Whether a key and language name one of the catalogue's texts."""
    return key in CATALOGUE and language in LANGUAGES


def checked_wording(key: str, language: str, text: str) -> str:
    """Return the wording trimmed, or raise WordingError when the line could not use it."""
    wording = text.strip()
    if not wording:
        raise WordingError("empty")
    if len(wording) > MAX_LENGTH:
        raise WordingError("too_long")
    if has_unsafe(wording):
        raise WordingError("control")
    expected = placeholders(default_text(key, language))
    try:
        used = placeholders(wording)
    except ValueError as exc:
        raise WordingError("braces", expected) from exc
    if used != expected:
        raise WordingError("placeholders", expected)
    return wording


def overrides(session: Session) -> dict[tuple[str, str], PromptOverride]:
    """Return every saved wording by key and language."""
    rows = session.scalars(select(PromptOverride))
    return {(row.key, row.language): row for row in rows}


def find_override(session: Session, key: str, language: str) -> PromptOverride | None:
    """Return the saved wording of a prompt in a language, if any."""
    return session.scalar(
        select(PromptOverride).where(PromptOverride.key == key, PromptOverride.language == language)
    )


def save_override(
    session: Session, key: str, language: str, text: str, user: User
) -> PromptOverride:
    """Check and store a coordinator's wording of a prompt. Does not commit."""
    wording = checked_wording(key, language, text)
    override = find_override(session, key, language)
    if override is None:
        override = PromptOverride(key=key, language=language, text=wording)
        session.add(override)
    override.text = wording
    override.updated_by_id = user.id
    override.updated_at = clock.now()
    session.flush()
    return override


def reset_override(session: Session, key: str, language: str) -> PromptOverride | None:
    """Delete the saved wording, so the catalogue's text is spoken again. Does not commit."""
    override = find_override(session, key, language)
    if override is not None:
        session.delete(override)
    return override
