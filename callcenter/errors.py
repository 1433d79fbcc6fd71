"""Error pages for people; IVR errors are answered by the IVR blueprint with speech."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    """Install the handlers on the app."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        if request.path.startswith("/ivr/") or request.accept_mimetypes.best == "application/json":
            return {"error": exc.name, "status": exc.code}, exc.code
        return render_template("error.html", error=exc), exc.code

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("Unhandled error", extra={"path": request.path})
        return render_template("error.html", error=None), 500
