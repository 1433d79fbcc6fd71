"""Report pages, exports and the printable yearly report, for coordinators only."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select

from callcenter.models import AuditEvent, Counselor
from tests.report_data import build_year


def test_counselors_cannot_open_reports(client, login, db):
    counselor = Counselor(name="김상담", phone="+821012340000")
    db.add(counselor)
    db.commit()
    login("counselor", counselor=counselor)
    assert client.get("/reports/2027").status_code == 403


def test_yearly_page_shows_tables_and_chart_data(client, login, db, fields):
    build_year(db, fields)
    login("coordinator")
    page = client.get("/reports/2027").get_data(as_text=True)
    assert "2027년 상담 통계" in page
    assert 'id="report-data"' in page and "chart.umd.min.js" in page
    assert "김법률" in page  # load per counselor
    assert '<th scope="row">2027-01</th>' in page


def test_monthly_page_lists_every_day(client, login, db, fields):
    build_year(db, fields)
    login("coordinator")
    page = client.get("/reports/2027/1").get_data(as_text=True)
    assert "2027년 1월 상담 통계" in page
    assert '<th scope="row">01-31</th>' in page


def test_impossible_month_is_not_found(client, login):
    login("coordinator")
    assert client.get("/reports/2027/13").status_code == 404


def test_csv_export_starts_with_a_byte_order_mark_and_holds_the_figures(client, login, db, fields):
    build_year(db, fields)
    login("coordinator")
    response = client.get("/reports/2027/export.csv?reason=연간 보고")
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    calls_header = rows.index(next(r for r in rows if r and r[0] == "전화 응답")) + 1
    assert rows[calls_header][3:6] == ["메뉴에서 끊음", "대기 중 끊음", "연결 중 끊음"]
    january = rows[calls_header + 1]
    assert january[:6] == ["2027-01", "5", "3", "1", "1", "0"]
    assert 'filename="report-2027.csv"' in response.headers["Content-Disposition"]


def test_csv_export_says_how_many_callbacks_kept_their_place_in_the_queue(
    client, login, db, fields
):
    build_year(db, fields)
    login("coordinator")
    response = client.get("/reports/2027/export.csv?reason=연간 보고")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header = next(r for r in rows if r and r[0] == "기간" and "콜백 요청" in r)
    assert header[1:5] == ["콜백 요청", "온라인 접수", "대기 순서 유지", "콜백 완료"]


def test_xlsx_export_has_one_sheet_per_table(client, login, db, fields):
    build_year(db, fields)
    login("coordinator")
    response = client.get("/reports/2027/1/export.xlsx?reason=연간 보고")
    book = load_workbook(io.BytesIO(response.data))
    assert "상담 건수" in book.sheetnames
    sheet = book["상담 건수"]
    totals = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "합계")
    assert totals[:5] == ("합계", 3, 2, 1, 0)


def test_xlsx_export_drops_characters_a_workbook_cannot_hold(client, login, db, fields):
    build_year(db, fields)
    db.scalars(select(Counselor).where(Counselor.name == "김법률")).one().name = "김\x0b법률"
    db.commit()
    login("coordinator")
    response = client.get("/reports/2027/export.xlsx?reason=연간 보고")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    cells = {v for sheet in book for row in sheet.iter_rows(values_only=True) for v in row}
    assert "김법률" in cells


def test_exports_are_written_to_the_audit_log(client, login, db, fields):
    user = login("coordinator")
    client.get("/reports/2027/export.xlsx?reason=시의회 자료")
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.user_id == user.id
    assert event.detail == {"period": "2027", "format": "xlsx", "reason": "시의회 자료"}


def test_report_export_without_a_reason_asks_for_one(client, login, db):
    login("coordinator")
    response = client.get("/reports/2027/export.xlsx")
    assert response.status_code == 200 and 'name="reason"' in response.get_data(as_text=True)
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "export")) is None


def test_printable_yearly_report(client, login, db, fields):
    build_year(db, fields)
    login("coordinator")
    page = client.get("/reports/2027/print").get_data(as_text=True)
    assert "한눈에 보기" in page and "base.html" not in page
    assert "33.3" in page  # answered within 20 seconds, of the calls offered


def test_reports_appear_in_the_coordinators_menu(client, login):
    login("coordinator")
    page = client.get("/").get_data(as_text=True)
    assert "/reports/wallboard" in page and "통계" in page
