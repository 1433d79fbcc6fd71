"""Roster CSV import: validate every row first, then write all of it or nothing."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time

from flask import has_request_context
from flask_babel import gettext
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from callcenter.models import Counselor, Field, OneOffShift, WeeklyShift
from callcenter.phones import InvalidPhoneNumber, RefusedNumber, to_counselor_e164
from schedules import patterns

COLUMNS = ("name", "phone", "field", "day", "start", "end")
# `from`: the first date of an every-other-week shift (`mon/2`); other rows leave it empty.
OPTIONAL_COLUMNS = ("from",)
# Korean headers a coordinator may type instead of the English ones.
COLUMN_ALIASES = {
    "이름": "name",
    "성명": "name",
    "전화번호": "phone",
    "전화": "phone",
    "연락처": "phone",
    "휴대폰": "phone",
    "분야": "field",
    "요일": "day",
    "날짜": "day",
    "요일/날짜": "day",
    "시작": "start",
    "시작시간": "start",
    "시작 시간": "start",
    "종료": "end",
    "종료시간": "end",
    "종료 시간": "end",
    "끝": "end",
    "첫 날짜": "from",
    "첫날짜": "from",
    "첫 근무일": "from",
    "부터": "from",
}
NAME_MAX_LENGTH = 80  # Counselor.name
WEEKDAY_NAMES = ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일")
HANGUL = re.compile(r"[가-힣]")
TIME_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})(?::00)?$")


def _(text: str, **params: object) -> str:
    """Translate a problem for the page's reader; commands read the Korean default."""
    if has_request_context():
        return gettext(text, **params)
    return text % params if params else text


class RosterFileError(ValueError):
    """The file as a whole cannot be read (not text, no header, wrong columns)."""


@dataclass(frozen=True)
class RosterRow:
    """One valid row: a counselor and one weekly or one-off shift."""

    line: int
    name: str
    phone: str  # E.164
    field_code: str
    weekday: int | None
    on_date: date | None
    start: time
    end: time
    month_week: int = patterns.EVERY_WEEK
    interval_weeks: int = 1
    first_date: date | None = None  # an every-other-week shift's first date

    @property
    def key(self) -> tuple[object, ...]:
        return (
            self.phone,
            self.field_code,
            self.weekday,
            self.on_date,
            self.start,
            self.end,
            self.month_week,
            self.interval_weeks,
            self.first_date,
        )

    @property
    def pattern(self) -> patterns.Pattern | None:
        """Return the series pattern of a recurring row (None for a one-off date)."""
        if self.weekday is None:
            return None
        return patterns.Pattern(self.weekday, self.month_week, self.interval_weeks)

    @property
    def week_parity(self) -> int:
        """Return the weeks an every-other-week row runs in (0 for the others)."""
        return patterns.week_parity(self.first_date) if self.first_date else 0


@dataclass
class ParsedRoster:
    """The rows that passed and, line by line, what is wrong with the others."""

    rows: list[RosterRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportSummary:
    """What an import changed, or would change."""

    counselors_created: list[str] = field(default_factory=list)
    counselors_updated: list[str] = field(default_factory=list)
    weekly_shifts_created: int = 0
    one_off_shifts_created: int = 0
    unchanged_rows: int = 0
    # Matched counselors a coordinator deactivated: their shifts are kept but do not count.
    inactive_counselors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.counselors_created
            or self.counselors_updated
            or self.weekly_shifts_created
            or self.one_off_shifts_created
        )


SAVE_AS_CSV = (
    "엑셀에서 '다른 이름으로 저장'으로 'CSV UTF-8(쉼표로 분리)' 형식을 골라 "
    "저장한 파일을 가져오세요"
)


def _unreadable(problem: str) -> RosterFileError:
    """Return the error of a file that is not CSV text, with how to save one from Excel."""
    return RosterFileError(_(problem, advice=_(SAVE_AS_CSV)))


def decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or CP949, the encoding Korean Excel writes."""
    # .xlsx is a zip archive, .xls (like .hwp and .doc) an OLE compound file.
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise _unreadable("엑셀 통합 문서나 다른 문서 파일이라 CSV 파일이 아닙니다. %(advice)s")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" (UTF-16)
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _unreadable("손상된 UTF-16 텍스트 파일입니다. %(advice)s") from None
    if b"\x00" in data:
        raise _unreadable("텍스트 CSV 파일이 아닙니다(이진 데이터가 들어 있습니다). %(advice)s")
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _unreadable("UTF-8이나 CP949 텍스트 파일이 아닙니다. %(advice)s")


def field_aliases(fields: Iterable[Field]) -> dict[str, str]:
    """Map every way of writing a field (code, Korean name, English name) to its code."""
    aliases: dict[str, str] = {}
    for field_ in fields:
        for alias in (field_.name_en, field_.name_ko, field_.code):
            aliases[alias.strip().lower()] = field_.code
    return aliases


def read_roster(session: Session, data: bytes) -> ParsedRoster:
    """Check a roster file against the fields in the database."""
    return parse_roster(
        data, field_aliases(session.scalars(select(Field).order_by(Field.position)))
    )


def parse_roster(data: bytes, field_codes: Iterable[str] | Mapping[str, str]) -> ParsedRoster:
    """Check every row of a roster CSV and name each problem by its line number.

    `field_codes` is either the known field codes or a mapping of accepted spellings (codes,
    Korean and English names, lower case) to codes, as `field_aliases` builds.
    """
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader)
        while not any(h.strip() for h in header):
            header = next(reader)
    except StopIteration:
        raise RosterFileError(
            _(
                "1번째 줄: 파일이 비어 있습니다. 머리글 줄에는 %(columns)s 열이 있어야 합니다",
                columns=",".join(COLUMNS),
            )
        ) from None
    except csv.Error as exc:
        raise RosterFileError(_("CSV 파일로 읽을 수 없습니다: %(reason)s", reason=exc)) from None
    header_line = reader.line_num
    columns = [_column(h) for h in header]
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise RosterFileError(
            _(
                "%(line)s번째 줄: %(missing)s 열이 없습니다. 머리글 줄에는 %(columns)s 열이 "
                "있어야 합니다",
                line=header_line,
                missing=", ".join(missing),
                columns=",".join(COLUMNS),
            )
        )
    index = {name: columns.index(name) for name in COLUMNS + OPTIONAL_COLUMNS if name in columns}
    if isinstance(field_codes, Mapping):
        aliases = {k.strip().lower(): v for k, v in field_codes.items()}
    else:
        aliases = {code.lower(): code for code in field_codes}
    parsed = ParsedRoster()
    seen: dict[tuple[object, ...], int] = {}
    names: dict[str, tuple[str, int]] = {}
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            cells = dict.fromkeys(OPTIONAL_COLUMNS, "")
            cells.update(
                (name, values[i].strip() if i < len(values) else "") for name, i in index.items()
            )
            row, problems = _parse_row(line, cells, aliases)
            if row is not None:
                if row.key in seen:
                    problems.append(_("%(line)s번째 줄과 같은 근무입니다", line=seen[row.key]))
                else:
                    seen[row.key] = line
                first_name, first_line = names.setdefault(row.phone, (row.name, line))
                if first_name != row.name:
                    problems.append(
                        _(
                            "전화번호 %(phone)s가 이 줄에는 '%(name)s', %(first_line)s번째 줄에는 "
                            "'%(first)s'(으)로 적혀 있습니다. 번호 하나는 상담위원 한 명입니다",
                            phone=cells["phone"],
                            name=row.name,
                            first=first_name,
                            first_line=first_line,
                        )
                    )
            if problems:
                parsed.errors.append((line, "; ".join(problems)))
            elif row is not None:
                parsed.rows.append(row)
    except csv.Error as exc:
        parsed.errors.append((reader.line_num, _("CSV로 읽을 수 없습니다: %(reason)s", reason=exc)))
    if not parsed.rows and not parsed.errors:
        parsed.errors.append((header_line + 1, _("머리글 줄 다음에 근무가 없습니다")))
    return parsed


def _delimiter(text: str) -> str:
    """Return a tab for tab-separated text (Excel's "Unicode text"), else a comma."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return "\t" if "\t" in first and "," not in first else ","


def _column(header: str) -> str:
    """Return the standard name of a header cell, English or Korean."""
    key = header.strip().lower()
    return COLUMN_ALIASES.get(key, key)


def _parse_row(
    line: int, cells: dict[str, str], aliases: dict[str, str]
) -> tuple[RosterRow | None, list[str]]:
    """Validate one row's cells."""
    problems: list[str] = []
    name = " ".join(cells["name"].split())
    if not name:
        problems.append(_("이름이 비어 있습니다"))
    elif len(name) > NAME_MAX_LENGTH:
        problems.append(_("이름이 %(max)s자보다 깁니다", max=NAME_MAX_LENGTH))
    phone = None
    try:
        phone = to_counselor_e164(cells["phone"])
    except RefusedNumber as exc:
        problems.append(
            _("전화번호 '%(phone)s': %(reason)s", phone=cells["phone"], reason=exc.reason)
        )
    except InvalidPhoneNumber:
        problems.append(
            _(
                "전화번호 '%(phone)s'는 올바른 국내 번호나 국제 번호(+82…)가 아닙니다",
                phone=cells["phone"],
            )
        )
    field_code = aliases.get(cells["field"].lower())
    if field_code is None:
        known = ", ".join(_field_label(code, aliases) for code in dict.fromkeys(aliases.values()))
        problems.append(
            _(
                "없는 분야 '%(field)s'입니다 (있는 분야: %(known)s)",
                field=cells["field"],
                known=known,
            )
        )
    pattern, on_date = _parse_day(cells["day"], problems)
    first_date = _parse_first_date(cells["day"], cells["from"], pattern, problems)
    start = _parse_time(cells["start"], _("시작 시각"), problems)
    end = _parse_time(cells["end"], _("끝나는 시각"), problems)
    if start is not None and end is not None and end <= start:
        problems.append(
            _(
                "끝나는 시각(%(end)s)이 시작 시각(%(start)s)보다 늦어야 합니다",
                end=cells["end"],
                start=cells["start"],
            )
        )
    if problems or phone is None or field_code is None or start is None or end is None:
        return None, problems
    row = RosterRow(
        line,
        name,
        phone,
        field_code,
        pattern.weekday if pattern else None,
        on_date,
        start,
        end,
        pattern.month_week if pattern else patterns.EVERY_WEEK,
        pattern.interval_weeks if pattern else 1,
        first_date,
    )
    return row, problems


def _field_label(code: str, aliases: dict[str, str]) -> str:
    """Return a field as people write it, its Korean name with its code: 법률(legal)."""
    korean = next((a for a, c in aliases.items() if c == code and HANGUL.search(a)), None)
    return f"{korean}({code})" if korean else code


def _parse_day(text: str, problems: list[str]) -> tuple[patterns.Pattern | None, date | None]:
    """Read a weekday pattern (mon, 2mon, lastfri, 둘째 월, mon/2) or an ISO date."""
    pattern = patterns.parse_pattern(text)
    if pattern is not None:
        return pattern, None
    try:
        return None, date.fromisoformat(text.strip())
    except ValueError:
        problems.append(
            _(
                "요일 '%(day)s'를 알 수 없습니다. 요일(mon..sun, 월..일), 매달 몇째 요일"
                "(1mon..5sun, lastmon..lastsun, 둘째 월, 마지막 금), 격주(mon/2) "
                "또는 날짜(YYYY-MM-DD)로 적어 주세요",
                day=text,
            )
        )
        return None, None


def _parse_first_date(
    day: str, text: str, pattern: patterns.Pattern | None, problems: list[str]
) -> date | None:
    """Read the `from` column: an every-other-week row's first date, empty on other rows."""
    every_other = pattern is not None and pattern.every_other_week
    if not text:
        if every_other:
            problems.append(
                _("요일 '%(day)s'는 격주 근무입니다. 첫 근무일을 from 칸에 적어 주세요", day=day)
            )
        return None
    if not every_other:
        problems.append(
            _(
                "from '%(value)s': 첫 근무일은 격주 근무(mon/2)에만 적습니다. 비워 두세요",
                value=text,
            )
        )
        return None
    try:
        first = date.fromisoformat(text)
    except ValueError:
        problems.append(_("from '%(value)s'는 날짜(YYYY-MM-DD)가 아닙니다", value=text))
        return None
    assert pattern is not None
    if first.weekday() != pattern.weekday:
        problems.append(
            _(
                "from %(value)s는 '%(day)s'의 요일인 %(weekday)s이 아닙니다",
                value=text,
                day=day,
                weekday=_(WEEKDAY_NAMES[pattern.weekday]),
            )
        )
        return None
    return first


def _parse_time(text: str, label: str, problems: list[str]) -> time | None:
    """Read an HH:MM local time."""
    match = TIME_PATTERN.match(text)
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    problems.append(
        _("%(label)s '%(value)s'는 HH:MM 시각(00:00~23:59)이 아닙니다", label=label, value=text)
    )
    return None


def apply_roster(
    session: Session, rows: list[RosterRow], today: date | None = None
) -> ImportSummary:
    """Write valid rows: counselors matched by phone, shifts added once. Does not commit.

    With `today` (the line's local date), a weekly slot whose validity ended before today is
    started again from today; without it, any existing slot counts as present.
    """
    summary = ImportSummary()
    fields = {f.code: f for f in session.scalars(select(Field))}
    phones = {row.phone for row in rows}
    counselors = {
        c.phone: c for c in session.scalars(select(Counselor).where(Counselor.phone.in_(phones)))
    }
    for row in rows:
        counselor = counselors.get(row.phone)
        if counselor is None:
            counselor = Counselor(name=row.name, phone=row.phone, active=True, auto_answer=False)
            session.add(counselor)
            counselors[row.phone] = counselor
            summary.counselors_created.append(row.name)
        elif counselor.name != row.name:
            counselor.name = row.name
            summary.counselors_updated.append(row.name)
        if not counselor.active and counselor.name not in summary.inactive_counselors:
            summary.inactive_counselors.append(counselor.name)
        field_ = fields[row.field_code]
        if field_ not in counselor.fields:
            counselor.fields.append(field_)
        session.flush()
        if _add_shift(session, counselor, field_, row, today):
            if row.weekday is not None:
                summary.weekly_shifts_created += 1
            else:
                summary.one_off_shifts_created += 1
        else:
            summary.unchanged_rows += 1
    return summary


def _add_shift(
    session: Session, counselor: Counselor, field_: Field, row: RosterRow, today: date | None
) -> bool:
    """Add the row's shift unless the same one exists; return whether it was added."""
    if row.weekday is not None:
        slot = select(WeeklyShift.id).where(
            WeeklyShift.counselor_id == counselor.id,
            WeeklyShift.field_id == field_.id,
            *_same_series(row),
        )
        ended = session.scalar(slot.limit(1)) is not None
        if today is not None:
            slot = slot.where(
                or_(WeeklyShift.valid_until.is_(None), WeeklyShift.valid_until >= today)
            )
        if session.scalar(slot.limit(1)) is not None:
            return False
        session.add(
            WeeklyShift(
                counselor_id=counselor.id,
                field_id=field_.id,
                weekday=row.weekday,
                start_time=row.start,
                end_time=row.end,
                # A slot that ended comes back from today, leaving its history as it was;
                # an every-other-week one counts its weeks from its first date.
                valid_from=row.first_date or (today if ended else None),
                month_week=row.month_week,
                interval_weeks=row.interval_weeks,
                week_parity=row.week_parity,
            )
        )
        return True
    exists = session.scalar(
        select(OneOffShift.id).where(
            OneOffShift.counselor_id == counselor.id,
            OneOffShift.field_id == field_.id,
            OneOffShift.date == row.on_date,
            OneOffShift.start_time == row.start,
            OneOffShift.end_time == row.end,
        )
    )
    if exists is None:
        session.add(
            OneOffShift(
                counselor_id=counselor.id,
                field_id=field_.id,
                date=row.on_date,
                start_time=row.start,
                end_time=row.end,
            )
        )
    return exists is None


@dataclass
class RosterPreview:
    """What applying a parsed roster would change, row by row, without writing anything."""

    new_counselors: list[tuple[str, str]] = field(default_factory=list)  # name, E.164
    renamed: list[tuple[str, str]] = field(default_factory=list)  # old name, new name
    new_field_links: list[tuple[str, str]] = field(default_factory=list)  # name, field code
    new_shifts: list[RosterRow] = field(default_factory=list)
    unchanged: list[RosterRow] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.new_counselors or self.renamed or self.new_field_links or self.new_shifts)


def preview_roster(session: Session, rows: list[RosterRow]) -> RosterPreview:
    """Compute what `apply_roster` would do with these rows, reading only."""
    preview = RosterPreview()
    phones = {row.phone for row in rows}
    counselors = {
        c.phone: c for c in session.scalars(select(Counselor).where(Counselor.phone.in_(phones)))
    }
    names: dict[str, str] = {}
    links: set[tuple[str, str]] = set()
    for row in rows:
        counselor = counselors.get(row.phone)
        current = names.get(row.phone, counselor.name if counselor else None)
        if current is None:
            preview.new_counselors.append((row.name, row.phone))
        elif current != row.name:
            preview.renamed.append((current, row.name))
        names[row.phone] = row.name
        served = {f.code for f in counselor.fields} if counselor else set()
        if row.field_code not in served and (row.phone, row.field_code) not in links:
            links.add((row.phone, row.field_code))
            if counselor is not None:
                preview.new_field_links.append((row.name, row.field_code))
        if counselor is not None and _shift_exists(session, counselor, row):
            preview.unchanged.append(row)
        else:
            preview.new_shifts.append(row)
    return preview


def _same_series(row: RosterRow) -> list[ColumnElement[bool]]:
    """Return the conditions of a weekly shift of the row's weekday, hours and pattern."""
    return [
        WeeklyShift.weekday == row.weekday,
        WeeklyShift.start_time == row.start,
        WeeklyShift.end_time == row.end,
        WeeklyShift.month_week == row.month_week,
        WeeklyShift.interval_weeks == row.interval_weeks,
        WeeklyShift.week_parity == row.week_parity,
    ]


def _shift_exists(session: Session, counselor: Counselor, row: RosterRow) -> bool:
    """Whether the row's shift is already on the counselor's roster."""
    if row.weekday is not None:
        statement = (
            select(WeeklyShift.id)
            .join(Field)
            .where(
                WeeklyShift.counselor_id == counselor.id,
                Field.code == row.field_code,
                *_same_series(row),
            )
        )
    else:
        statement = (
            select(OneOffShift.id)
            .join(Field)
            .where(
                OneOffShift.counselor_id == counselor.id,
                Field.code == row.field_code,
                OneOffShift.date == row.on_date,
                OneOffShift.start_time == row.start,
                OneOffShift.end_time == row.end,
            )
        )
    return session.scalar(statement) is not None
