"""Signing in and out of the back office, and who may see what."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from callcenter.auth import views  # noqa: E402,F401
