"""Roster CSV import: every bad row named by its line, all or nothing, Korean encodings."""

from __future__ import annotations

from datetime import date, time

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from callcenter.models import Counselor, OneOffShift, WeeklyShift
from schedules.roster_import import RosterFileError, apply_roster, read_roster

HEADER = "name,phone,field,day,start,end\n"
GOOD = (
    HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n"
    "이서연,010-2345-6789,tax,thu,14:00,17:00\n"
)


@pytest.fixture(autouse=True)
def english(app, db):
    """Read the import's problems in English (Korean is the default, tested apart)."""
    with app.test_request_context(), force_locale("en"):
        yield


def read(db, text: str, encoding: str = "utf-8"):  # type: ignore[no-untyped-def]
    return read_roster(db, text.encode(encoding))


def import_text(db, text: str, encoding: str = "utf-8", today=None):  # type: ignore[no-untyped-def]
    parsed = read(db, text, encoding)
    assert parsed.ok, parsed.errors
    summary = apply_roster(db, parsed.rows, today=today)
    db.commit()
    return summary


def count_rows(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(model))


def only_error(db, text: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    parsed = read(db, text)
    assert len(parsed.errors) == 1, parsed.errors
    return parsed.errors[0]


# --- rows that are wrong, each named by its line --------------------------------------------


def test_unknown_field_is_named_by_its_line(db):
    line, problem = only_error(
        db,
        HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n"
        "이서연,010-2345-6789,medical,tue,10:00,12:00\n",
    )
    assert line == 3
    assert "unknown field 'medical'" in problem
    assert "legal" in problem


def test_invalid_phone_is_named_by_its_line(db):
    line, problem = only_error(db, HEADER + "김민준,010-12,legal,mon,10:00,12:00\n")
    assert (line, problem) == (2, "phone '010-12' is not a valid Korean or E.164 number")


def test_bad_day_is_named_by_its_line(db):
    line, problem = only_error(db, HEADER + "김민준,010-1234-5678,legal,monnday,10:00,12:00\n")
    assert line == 2
    assert "day 'monnday' is neither a weekday" in problem


def test_impossible_date_is_a_bad_day(db):
    line, problem = only_error(db, HEADER + "김민준,010-1234-5678,legal,2027-02-30,10:00,12:00\n")
    assert line == 2
    assert "2027-02-30" in problem


def test_bad_start_time_is_named_by_its_line(db):
    line, problem = only_error(db, HEADER + "김민준,010-1234-5678,legal,mon,25:00,26:00\n")
    assert line == 2
    assert "start '25:00' is not a time HH:MM" in problem


def test_bad_end_time_is_named_by_its_line(db):
    line, problem = only_error(db, HEADER + "김민준,010-1234-5678,legal,mon,10:00,noon\n")
    assert line == 2
    assert "end 'noon' is not a time HH:MM" in problem


def test_midnight_written_24_00_is_named_by_its_line(db):
    line, problem = only_error(
        db,
        HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n"
        "이서연,010-2345-6789,tax,tue,18:00,24:00\n",
    )
    assert (line, problem) == (3, "end '24:00' is not a time HH:MM (00:00 to 23:59)")


def test_end_not_after_start_is_named_by_its_line(db):
    line, problem = only_error(db, HEADER + "김민준,010-1234-5678,legal,mon,12:00,12:00\n")
    assert (line, problem) == (2, "end 12:00 is not after start 12:00")


def test_shift_across_midnight_is_refused(db):
    line, problem = only_error(db, HEADER + "김민준,010-1234-5678,legal,fri,22:00,02:00\n")
    assert (line, problem) == (2, "end 02:00 is not after start 22:00")


def test_duplicate_row_names_the_first_line(db):
    line, problem = only_error(
        db,
        HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n"
        "이서연,010-2345-6789,tax,thu,14:00,17:00\n"
        "김민준,+82 10-1234-5678,LEGAL,Monday,10:00,12:00\n",
    )
    assert (line, problem) == (4, "duplicate of line 2")


def test_one_phone_with_two_names_names_both_lines(db):
    line, problem = only_error(
        db,
        HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n"
        "김민수,01012345678,legal,tue,10:00,12:00\n",
    )
    assert line == 3
    assert "'김민수' here and as '김민준' on line 2" in problem


def test_empty_name_is_named_by_its_line(db):
    line, problem = only_error(db, HEADER + ",010-1234-5678,legal,mon,10:00,12:00\n")
    assert (line, problem) == (2, "name is empty")


def test_every_problem_of_a_row_is_listed(db):
    line, problem = only_error(db, HEADER + "김민준,12,medical,someday,9,8\n")
    assert line == 2
    for part in ("phone '12'", "unknown field 'medical'", "day 'someday'", "start '9'", "end '8'"):
        assert part in problem


def test_every_bad_row_is_listed_with_its_line(db):
    parsed = read(
        db,
        HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n"
        "이서연,010-2345-6789,medical,tue,10:00,12:00\n"
        "박도윤,010-3456-7890,tax,wed,10:00,12:00\n"
        "최지우,010-4567-8901,tax,someday,10:00,12:00\n",
    )
    assert [line for line, _ in parsed.errors] == [3, 5]


def test_line_numbers_count_blank_lines(db):
    parsed = read(
        db,
        HEADER + "\n김민준,010-1234-5678,legal,mon,10:00,12:00\n\n"
        "이서연,010-2345-6789,medical,tue,10:00,12:00\n",
    )
    assert [line for line, _ in parsed.errors] == [5]


def test_one_bad_row_makes_the_whole_file_refused(db):
    parsed = read(db, GOOD + "박도윤,010-3456-7890,medical,wed,10:00,12:00\n")
    assert not parsed.ok
    assert [row.line for row in parsed.rows] == [2, 3]  # checked, but not to be written


# --- files that cannot be read ---------------------------------------------------------------


def test_missing_column_is_named(db):
    with pytest.raises(RosterFileError, match=r"line 1: missing column\(s\) end"):
        read(db, "name,phone,field,day,start\n김민준,010-1234-5678,legal,mon,10:00\n")


def test_empty_file_is_refused(db):
    with pytest.raises(RosterFileError, match="line 1: the file is empty"):
        read_roster(db, b"")


def test_header_without_rows_is_refused(db):
    parsed = read(db, HEADER)
    assert parsed.errors == [(2, "no shifts after the header row")]


def test_png_file_gets_a_clear_error(db):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    with pytest.raises(RosterFileError, match="not a text CSV file"):
        read_roster(db, png)


def test_excel_workbook_gets_a_clear_error(db):
    xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml"
    with pytest.raises(RosterFileError, match=r"Excel workbook.*CSV UTF-8"):
        read_roster(db, xlsx)


def test_undecodable_bytes_get_a_clear_error(db):
    with pytest.raises(RosterFileError, match="neither UTF-8 nor CP949"):
        read_roster(db, HEADER.encode() + b"\xff\xfe\xfa\xfb\xff\n")


# --- encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_korean_names_are_read_in_every_encoding_excel_writes(db, encoding):
    import_text(db, GOOD, encoding)
    assert sorted(db.scalars(select(Counselor.name))) == ["김민준", "이서연"]


def test_excel_unicode_text_with_tabs_is_read(db):
    parsed = read_roster(db, GOOD.replace(",", "\t").encode("utf-16"))
    assert parsed.ok, parsed.errors
    assert [row.name for row in parsed.rows] == ["김민준", "이서연"]


def test_bom_does_not_hide_the_first_column(db):
    parsed = read_roster(db, GOOD.encode("utf-8-sig"))
    assert parsed.ok
    assert parsed.rows[0].name == "김민준"


def test_windows_line_endings_are_read(db):
    parsed = read_roster(db, GOOD.replace("\n", "\r\n").encode("cp949"))
    assert parsed.ok
    assert [row.line for row in parsed.rows] == [2, 3]


def test_korean_headers_field_names_and_weekdays_are_accepted(db):
    text = "이름,전화번호,분야,요일,시작,종료\n김민준,010-1234-5678,법률,월,10:00,12:00\n"
    parsed = read(db, text)
    assert parsed.ok, parsed.errors
    row = parsed.rows[0]
    assert (row.field_code, row.weekday) == ("legal", 0)


# --- what gets written ----------------------------------------------------------------------


def test_import_creates_counselors_and_weekly_shifts(db, fields):
    summary = import_text(db, GOOD)
    assert summary.counselors_created == ["김민준", "이서연"]
    assert summary.weekly_shifts_created == 2
    kim = db.scalar(select(Counselor).where(Counselor.phone == "+821012345678"))
    shift = db.scalar(select(WeeklyShift).where(WeeklyShift.counselor_id == kim.id))
    assert (shift.field_id, shift.weekday) == (fields["legal"].id, 0)
    assert (shift.start_time, shift.end_time) == (time(10), time(12))
    assert kim.fields == [fields["legal"]]


def test_one_off_shift_by_iso_date(db, fields):
    summary = import_text(db, HEADER + "김민준,010-1234-5678,labor,2027-03-02,14:00,16:30\n")
    assert summary.one_off_shifts_created == 1
    shift = db.scalar(select(OneOffShift))
    assert shift.date == date(2027, 3, 2)
    assert (shift.start_time, shift.end_time) == (time(14), time(16, 30))
    assert shift.field_id == fields["labor"].id
    assert count_rows(db, WeeklyShift) == 0


def test_reimporting_the_same_file_changes_nothing(db):
    import_text(db, GOOD + "김민준,010-1234-5678,legal,2027-03-02,14:00,16:00\n")
    before = (count_rows(db, Counselor), count_rows(db, WeeklyShift), count_rows(db, OneOffShift))
    summary = import_text(db, GOOD + "김민준,010-1234-5678,legal,2027-03-02,14:00,16:00\n")
    assert not summary.changed
    assert summary.unchanged_rows == 3
    after = (count_rows(db, Counselor), count_rows(db, WeeklyShift), count_rows(db, OneOffShift))
    assert after == before


def test_counselor_is_matched_across_phone_spellings(db):
    import_text(db, HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n")
    summary = import_text(db, HEADER + "김민준,+821012345678,legal,wed,10:00,12:00\n")
    assert summary.counselors_created == []
    assert count_rows(db, Counselor) == 1
    assert count_rows(db, WeeklyShift) == 2


def test_rows_with_different_phone_spellings_in_one_file_are_one_counselor(db):
    import_text(
        db,
        HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n"
        "김민준,+82 10 1234 5678,tax,tue,10:00,12:00\n",
    )
    assert count_rows(db, Counselor) == 1


def test_a_new_name_for_a_known_phone_updates_the_counselor(db):
    import_text(db, HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n")
    summary = import_text(db, HEADER + "김민준 변호사,010-1234-5678,legal,mon,10:00,12:00\n")
    assert summary.counselors_updated == ["김민준 변호사"]
    assert db.scalar(select(Counselor.name)) == "김민준 변호사"


def test_import_of_an_inactive_counselor_warns_and_keeps_them_inactive(db):
    import_text(db, HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n")
    db.scalar(select(Counselor)).active = False
    db.commit()
    summary = import_text(db, HEADER + "김민준,010-1234-5678,legal,tue,10:00,12:00\n")
    assert summary.inactive_counselors == ["김민준"]
    assert db.scalar(select(Counselor.active)) is False


def test_reimport_restarts_a_weekly_slot_whose_validity_ended(db):
    import_text(db, HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n")
    db.scalar(select(WeeklyShift)).valid_until = date(2026, 6, 30)
    db.commit()
    summary = import_text(
        db, HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n", today=date(2026, 11, 25)
    )
    assert summary.weekly_shifts_created == 1
    ranges = db.execute(
        select(WeeklyShift.valid_from, WeeklyShift.valid_until).order_by(WeeklyShift.id)
    ).all()
    assert ranges == [(None, date(2026, 6, 30)), (date(2026, 11, 25), None)]


def test_reimport_keeps_a_weekly_slot_still_in_effect(db):
    import_text(db, HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n")
    db.scalar(select(WeeklyShift)).valid_until = date(2026, 12, 31)
    db.commit()
    summary = import_text(
        db, HEADER + "김민준,010-1234-5678,legal,mon,10:00,12:00\n", today=date(2026, 11, 25)
    )
    assert not summary.changed
    assert count_rows(db, WeeklyShift) == 1


def test_single_digit_hours_and_whole_seconds_are_read(db):
    parsed = read(db, HEADER + "김민준,010-1234-5678,legal,월요일,9:00,12:00:00\n")
    assert parsed.ok, parsed.errors
    assert (parsed.rows[0].weekday, parsed.rows[0].start, parsed.rows[0].end) == (
        0,
        time(9),
        time(12),
    )


def test_extra_columns_and_any_column_order_are_accepted(db):
    parsed = read(
        db, "memo,end,start,day,field,phone,name\n비고,12:00,10:00,tue,tax,010-1234-5678,김민준\n"
    )
    assert parsed.ok, parsed.errors
    assert (parsed.rows[0].field_code, parsed.rows[0].weekday) == ("tax", 1)
