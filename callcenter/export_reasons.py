"""A reason for every export or download of personal data, asked for and kept in the audit log.

PIPA's safety-measures standard asks that a download of personal data be explained. Every
export link leads first to a short form (`ask`) unless the request already carries a reason;
the export view then writes the reason into its audit event.
"""

from __future__ import annotations

from flask import render_template, request

MIN_LENGTH = 2
MAX_LENGTH = 200


def given_reason() -> str | None:
    """Return the request's export reason, trimmed, or None when it is missing or unusable."""
    reason = " ".join((request.args.get("reason") or "").split())
    if MIN_LENGTH <= len(reason) <= MAX_LENGTH:
        return reason
    return None


def ask(title: str, what: str) -> tuple[str, int]:
    """Render the reason form for this very export URL, keeping its other arguments."""
    carried = {k: v for k, v in request.args.items(multi=False) if k != "reason"}
    tried = "reason" in request.args
    page = render_template(
        "backoffice/export_reason.html",
        title=title,
        what=what,
        action=request.path,
        carried=carried,
        tried=tried,
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
    )
    return page, 422 if tried else 200
