"""Exports of the consultation list: CSV (UTF-8 with BOM, for Korean Excel) and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql import Select

from callcenter.characters import clean_cell
from callcenter.models import Consultation
from callcenter.phones import national
from callcenter.privacy import mask_name, masked_phone

HEADER = [
    "번호",
    "상태",
    "일시",
    "경로",
    "분야",
    "상담 위원",
    "상담 시간(분)",
    "주제",
    "세부 주제",
    "결과",
    "안내 기관",
    "후속 조치일",
    "시민 이름",
    "전화번호",
    "상담 요지",
]
BATCH = 1000


def rows(
    session: Session, statement: Select, tz: ZoneInfo, personal: bool
) -> Iterator[list[str | int | None]]:
    """Yield one row per consultation; personal data in full only when asked for."""
    statement = statement.options(
        joinedload(Consultation.field),
        joinedload(Consultation.counselor),
        joinedload(Consultation.category),
        joinedload(Consultation.subcategory),
    ).execution_options(yield_per=BATCH)
    for c in session.scalars(statement):
        yield [
            c.id,
            c.status,
            c.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            c.channel,
            c.field.name_ko if c.field else None,
            c.counselor.name if c.counselor else None,
            c.duration_minutes,
            c.category.name_ko if c.category else None,
            c.subcategory.name_ko if c.subcategory else None,
            c.outcome,
            c.referred_to,
            c.follow_up_on.isoformat() if c.follow_up_on else None,
            (c.citizen_name or "") if personal else mask_name(c.citizen_name),
            (national(c.citizen_phone) if c.citizen_phone else "")
            if personal
            else masked_phone(c.citizen_phone, c.citizen_phone_last4),
            (c.summary or "") if personal else "",
        ]


def to_csv(records: Iterable[list]) -> Iterator[bytes]:
    """Stream CSV in UTF-8 with a byte order mark, so Excel reads Korean correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    writer.writerow(HEADER)
    for count, record in enumerate(records, 1):
        writer.writerow(["" if v is None else clean_cell(v) for v in record])
        if count % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def to_xlsx(records: Iterable[list]) -> bytes:
    """Build an XLSX workbook of the records."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("상담")
    sheet.append(HEADER)
    for record in records:
        sheet.append([clean_cell(v) for v in record])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
