"""The back office: counselors' and coordinators' pages."""

from flask import Blueprint

bp = Blueprint("backoffice", __name__)

from callcenter.backoffice import home  # noqa: E402,F401
