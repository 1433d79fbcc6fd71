"""A report's tables as CSV (UTF-8 with a byte-order mark, so Excel reads Korean) or XLSX."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from callcenter.characters import clean_cell
from callcenter.reporting.tables import Table


def _plain(value):  # type: ignore[no-untyped-def]
    """Write 'no data' as an empty cell."""
    return "" if value is None else clean_cell(value)


def to_csv(title: str, tables: list[Table]) -> bytes:
    """Return the tables one after another, each under its title, as CSV bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([title])
    for table in tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow([_plain(v) for v in row])
        if table.total:
            writer.writerow([_plain(v) for v in table.total])
        for note in table.notes:
            writer.writerow([note])
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
    book.remove(book.active)
    used: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.title, used))
        sheet.append([f"{title} · {table.title}"])
        sheet["A1"].font = bold
        sheet.append(table.columns)
        for cell in sheet[2]:
            cell.font = bold
        for row in table.rows:
            sheet.append([clean_cell(v) for v in row])
        if table.total:
            sheet.append([clean_cell(v) for v in table.total])
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        for note in table.notes:
            sheet.append([note])
        sheet.column_dimensions["A"].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
