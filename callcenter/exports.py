"""Exports of the consultation list: CSV (UTF-8 with BOM, for Korean Excel) and XLSX.

Every cell goes through `spreadsheets.safe_cell`: typed text never becomes a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql import Select

from callcenter.labels import label
from callcenter.models import Consultation
from callcenter.phones import national
from callcenter.privacy import mask_name, masked_phone
from callcenter.spreadsheets import safe_row

# The page's words for each column; the codes machines need follow in their own columns.
HEADER = [
    _l("번호"),
    _l("상태"),
    _l("일시"),
    _l("경로"),
    _l("분야"),
    _l("상담위원"),
    _l("상담 시간(분)"),
    _l("주제"),
    _l("세부 주제"),
    _l("결과"),
    _l("안내 기관"),
    _l("후속 조치일"),
    _l("시민 이름"),
    _l("전화번호"),
    _l("상담 요지"),
    _l("분야 코드"),
    _l("경로 코드"),
    _l("결과 코드"),
    _l("안내 기관 코드"),
]
BATCH = 1000


def rows(
    session: Session, statement: Select, tz: ZoneInfo, personal: bool
) -> Iterator[list[str | int | None]]:
    """Return one row per consultation; personal data in full only when asked for."""
    # Read the language now: the rows are written while the answer streams, after the view
    # committed and its signed-in user can no longer be loaded.
    return _rows(session, statement, tz, personal, str(get_locale() or "ko"))


def _rows(
    session: Session, statement: Select, tz: ZoneInfo, personal: bool, language: str
) -> Iterator[list[str | int | None]]:
    """Yield the export's rows, in a language."""
    statement = statement.options(
        joinedload(Consultation.field),
        joinedload(Consultation.counselor),
        joinedload(Consultation.category),
        joinedload(Consultation.subcategory),
    ).execution_options(yield_per=BATCH)
    for c in session.scalars(statement):
        yield [
            c.id,
            label("consultation_status", c.status),
            c.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            label("channel", c.channel),
            c.field.name(language) if c.field else None,
            c.counselor.name if c.counselor else None,
            c.duration_minutes,
            c.category.name(language) if c.category else None,
            c.subcategory.name(language) if c.subcategory else None,
            label("consultation_outcome", c.outcome) if c.outcome else None,
            label("referral", c.referred_to) if c.referred_to else None,
            c.follow_up_on.isoformat() if c.follow_up_on else None,
            (c.citizen_name or "") if personal else mask_name(c.citizen_name),
            (national(c.citizen_phone) if c.citizen_phone else "")
            if personal
            else masked_phone(c.citizen_phone, c.citizen_phone_last4),
            (c.summary or "") if personal else "",
            c.field.code if c.field else None,
            c.channel,
            c.outcome,
            c.referred_to,
        ]


def header() -> list[str]:
    """Return the column titles in the interface's language."""
    return [str(title) for title in HEADER]


def to_csv(records: Iterable[list]) -> Iterator[bytes]:
    """Stream CSV in UTF-8 with a byte order mark, so Excel reads Korean correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    writer.writerow(header())
    for count, record in enumerate(records, 1):
        writer.writerow(safe_row("" if v is None else v for v in record))
        if count % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_xlsx(records: Iterable[list]) -> bytes:
    """Build an XLSX workbook of the records."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("상담"))
    sheet.append(header())
    for record in records:
        sheet.append(safe_row(record))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
