"""Figures for coordinators, live state of the line, and the public status snapshot."""

from callcenter.reporting.figures import Report, build_report
from callcenter.reporting.period import Period

__all__ = ["Period", "Report", "build_report"]
