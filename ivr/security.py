"""Twilio request signatures, checked over the URL Twilio actually called."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator, add_port, compare, remove_port

log = logging.getLogger(__name__)


# Characters that werkzeug neither quotes nor unquotes when it rebuilds `request.url`.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.~!$&'()*+,/:;=@-]*")
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~!$&'()*+,/:;=@?-]*")


def public_url() -> str:
    """Rebuild the URL Twilio signed: PUBLIC_BASE_URL when set, else what the request says."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    environ = request.environ
    root, path = environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    host = request.host
    if (
        path.startswith("/")
        and not path.startswith("//")  # werkzeug folds leading slashes into one
        and _PLAIN_PATH.fullmatch(root + path)
        and _PLAIN_QUERY.fullmatch(query)
        and host == host.lower()  # and lowers the host's letters
        and "xn--" not in host
    ):
        # The usual webhook URL: nothing to quote or unquote, so the same text as werkzeug's
        # `request.url` (or `full_path`), put together directly.
        start = base or f"{request.scheme}://{host}{root.rstrip('/')}"
        return start + path + ("?" + query if query else "")
    if base:
        path = request.full_path if request.query_string else request.path
        return base + path
    return request.url


def signature_is_valid() -> bool:
    """Whether the request carries a valid X-Twilio-Signature."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    validator = _validator(token)
    url = urlparse(public_url())
    # What RequestValidator.validate() accepts for a form post: the signature of the URL
    # without its port or with it (Twilio signs either), here computed one at a time, so a
    # valid request usually costs one HMAC instead of two. The form as a MultiDict: the
    # validator reads repeated parameters with getlist().
    return any(
        compare(validator.compute_signature(candidate, request.form), signature)
        for candidate in (remove_port(url), add_port(url))
    )


@functools.lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def twilio_signed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Reject a webhook request without a valid Twilio signature with 403."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not signature_is_valid():
            log.warning("Rejected unsigned or tampered webhook", extra={"url": request.url})
            abort(403)
        return view(*args, **kwargs)

    return wrapper
