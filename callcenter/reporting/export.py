"""A report's tables as CSV (UTF-8 with a byte-order mark, so Excel reads Korean) or XLSX.

Every cell goes through `spreadsheets.safe_cell`: names never become formulas.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from callcenter.reporting.tables import Table
from callcenter.spreadsheets import safe_cell, safe_row


def _plain(value):
    """Write 'no data' as an empty cell, and text as text no spreadsheet evaluates."""
    return "" if value is None else safe_cell(value)


def _cells(values) -> list:
    return [_plain(v) for v in values]


def to_csv(title: str, tables: list[Table]) -> bytes:
    """Return the tables one after another, each under its title, as CSV bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_cells([title]))
    for table in tables:
        writer.writerow([])
        writer.writerow(_cells([table.title]))
        writer.writerow(_cells(table.columns))
        for row in table.rows:
            writer.writerow(_cells(row))
        if table.total:
            writer.writerow(_cells(table.total))
        for note in table.notes:
            writer.writerow(_cells([note]))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_name(title: str, used: set[str]) -> str:
    """Return a sheet name Excel accepts: at most 31 characters, no []:*?/\\, unique."""
    name = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"
    candidate, n = name, 2
    while candidate in used:
        candidate = f"{name[:28]} {n}"
        n += 1
    used.add(candidate)
    return candidate


def to_xlsx(title: str, tables: list[Table]) -> bytes:
    """Return a workbook with one sheet per table."""
    book = Workbook()
    if book.active is not None:  # a new workbook has one empty sheet
        book.remove(book.active)
    used: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.title, used))
        sheet.append(safe_row([f"{title} · {table.title}"]))
        sheet["A1"].font = bold
        sheet.append(safe_row(table.columns))
        for cell in sheet[2]:
            cell.font = bold
        for row in table.rows:
            sheet.append(safe_row(row))
        if table.total:
            sheet.append(safe_row(table.total))
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        for note in table.notes:
            sheet.append(safe_row([note]))
        sheet.column_dimensions["A"].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
