"""Monthly and yearly report pages, their exports and the printable yearly report."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from callcenter import export_reasons
from callcenter.arguments import FIRST_DAY, LAST_DAY
from callcenter.auth.access import coordinator_required
from callcenter.extensions import db
from callcenter.models import AuditEvent
from callcenter.reporting import Period, build_report
from callcenter.reporting.export import to_csv, to_xlsx
from callcenter.reporting.live import line_now
from callcenter.reporting.tables import chart_data, report_tables
from callcenter.reports import bp
from callcenter.timezone import line_timezone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(year: int, month: int | None) -> Period:
    """Return the period a URL names, or 404 for an impossible one."""
    if not FIRST_DAY.year <= year <= LAST_DAY.year or (month is not None and not 1 <= month <= 12):
        abort(404)
    return Period.year(year) if month is None else Period.month(year, month)


def _title(period: Period) -> str:
    if period.kind == "month":
        return _(
            "%(year)d년 %(month)d월 상담 통계", year=period.start.year, month=period.start.month
        )
    return _("%(year)d년 상담 통계", year=period.start.year)


@bp.get("/")
@coordinator_required
def index() -> BaseResponse:
    """Open this year's report."""
    return redirect(url_for("reports.yearly", year=line_now().astimezone(line_timezone()).year))


def _page(period: Period, template: str = "reports/report.html") -> str:
    language = str(get_locale())
    report = build_report(db.session, period, line_timezone())
    return render_template(
        template,
        report=report,
        period=period,
        title=_title(period),
        tables=report_tables(report, language),
        charts=chart_data(report, language),
        generated=line_now().astimezone(line_timezone()),
    )


@bp.get("/<int:year>")
@coordinator_required
def yearly(year: int) -> str:
    """Show a year month by month."""
    return _page(_period(year, None))


@bp.get("/<int:year>/<int:month>")
@coordinator_required
def monthly(year: int, month: int) -> str:
    """Show a month day by day."""
    return _page(_period(year, month))


@bp.get("/<int:year>/print")
@coordinator_required
def printable(year: int) -> str:
    """Show the yearly report laid out for paper."""
    return _page(_period(year, None), "reports/print.html")


@bp.get("/<int:year>/export.<fmt>")
@bp.get("/<int:year>/<int:month>/export.<fmt>")
@coordinator_required
def export(year: int, fmt: str, month: int | None = None) -> Response | tuple[str, int]:
    """Download a report as CSV or XLSX; the download is written to the audit log."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    period = _period(year, month)
    title = _title(period)
    reason = export_reasons.given_reason()
    if reason is None:  # the counselors' table names each counselor with their work
        return export_reasons.ask(title, fmt.upper())
    report = build_report(db.session, period, line_timezone())
    tables = report_tables(report, str(get_locale()))
    db.session.add(
        AuditEvent(
            user_id=current_user.id,
            action="export",
            object_type="report",
            ip_address=request.remote_addr,
            detail={"period": period.label, "format": fmt, "reason": reason},
        )
    )
    db.session.commit()
    name = f"report-{period.label}.{fmt}"
    if fmt == "csv":
        body, mimetype = to_csv(title, tables), "text/csv; charset=utf-8"
    else:
        body, mimetype = to_xlsx(title, tables), XLSX
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
