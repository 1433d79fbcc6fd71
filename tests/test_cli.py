"""The command line a coordinator uses: roster import, oncall, users create, demo load."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from callcenter.accounts import verify_password
from callcenter.models import Counselor, User, WeeklyShift

ROOT = Path(__file__).resolve().parent.parent
HEADER = "name,phone,field,day,start,end\n"
# 2026-11-25 is a Wednesday.
ROSTER = (
    HEADER + "김민준,010-1234-5678,legal,wed,10:00,12:00\n"
    "이서연,010-2345-6789,legal,wed,11:00,13:00\n"
    "박도윤,010-3456-7890,tax,wed,10:00,12:00\n"
)


@pytest.fixture
def roster_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Return a function writing a roster CSV and returning its path."""

    def write(text: str = ROSTER, encoding: str = "utf-8") -> str:
        path = tmp_path / "roster.csv"
        path.write_bytes(text.encode(encoding))
        return str(path)

    return write


@pytest.fixture
def rostered(runner, roster_file):  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["roster", "import", roster_file()])
    assert result.exit_code == 0, result.output
    return runner


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(model))


# --- roster import ------------------------------------------------------------------------


def test_roster_import_says_what_it_added(runner, roster_file, db):
    result = runner.invoke(args=["roster", "import", roster_file()])
    assert result.exit_code == 0, result.output
    assert "3 row(s) read" in result.output
    assert "Added 3 counselor(s) (김민준, 이서연, 박도윤), 3 weekly shift(s)" in result.output
    assert count(db, WeeklyShift) == 3


def test_roster_import_lists_every_bad_line_and_writes_nothing(runner, roster_file, db):
    path = roster_file(
        ROSTER + "최지우,010-12,legal,wed,10:00,12:00\n"
        "정하준,010-4567-8901,medical,wed,10:00,12:00\n"
        "강수아,010-5678-9012,tax,someday,10:00,12:00\n"
    )
    result = runner.invoke(args=["roster", "import", path])
    assert result.exit_code != 0
    assert f"{path}: line 5: 전화번호 '010-12'" in result.output
    assert f"{path}: line 6: 없는 분야 'medical'" in result.output
    assert f"{path}: line 7: 요일 'someday'" in result.output
    assert "3 bad row(s)" in result.output
    assert "nothing was imported" in result.output
    assert count(db, Counselor) == 0


def test_roster_import_of_a_binary_file_is_a_clear_error(runner, tmp_path, db):
    path = tmp_path / "roster.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 1
    assert "텍스트 CSV 파일이 아닙니다" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_roster_import_of_a_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(args=["roster", "import", str(tmp_path / "nowhere.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_roster_import_of_a_cp949_file(runner, roster_file, db):
    result = runner.invoke(args=["roster", "import", roster_file(encoding="cp949")])
    assert result.exit_code == 0, result.output
    assert "김민준" in set(db.scalars(select(Counselor.name)))


def test_roster_import_dry_run_writes_nothing(runner, roster_file, db):
    result = runner.invoke(args=["roster", "import", "--dry-run", roster_file()])
    assert result.exit_code == 0, result.output
    assert "Dry run, nothing written: would have added 3 counselor(s)" in result.output
    assert count(db, Counselor) == 0


def test_roster_import_twice_says_nothing_changed(rostered, roster_file, db):
    result = rostered.invoke(args=["roster", "import", roster_file()])
    assert result.exit_code == 0, result.output
    assert "Nothing to change" in result.output
    assert count(db, WeeklyShift) == 3


# --- oncall -----------------------------------------------------------------------------------


def test_oncall_prints_one_counselor_a_line_in_dial_order(rostered, db):
    # 김민준 has never taken a call, so he rings before 이서연.
    lee = db.scalar(select(Counselor).where(Counselor.name == "이서연"))
    lee.last_connected_at = datetime(2026, 11, 1, tzinfo=UTC)
    db.commit()
    result = rostered.invoke(args=["oncall", "--at", "2026-11-25T11:30+09:00"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "legal\t김민준\t+821012345678\t010-1234-5678",
        "legal\t이서연\t+821023456789\t010-2345-6789",
        "tax\t박도윤\t+821034567890\t010-3456-7890",
    ]


def test_oncall_field_option_limits_the_answer_to_one_field(rostered):
    result = rostered.invoke(args=["oncall", "--field", "tax", "--at", "2026-11-25T11:30+09:00"])
    assert result.output.splitlines() == ["tax\t박도윤\t+821034567890\t010-3456-7890"]


def test_oncall_field_can_be_named_in_korean(rostered):
    result = rostered.invoke(args=["oncall", "--field", "세무", "--at", "2026-11-25T11:30+09:00"])
    assert result.output.splitlines() == ["tax\t박도윤\t+821034567890\t010-3456-7890"]


def test_oncall_at_with_z_is_utc(rostered):
    # 01:30Z is 10:30 in Seoul, before 이서연's shift starts.
    result = rostered.invoke(args=["oncall", "--field", "legal", "--at", "2026-11-25T01:30Z"])
    assert [line.split("\t")[1] for line in result.output.splitlines()] == ["김민준"]


def test_oncall_at_with_another_offset(rostered):
    # 22:30 the day before at UTC-5 is 12:30 in Seoul: only 이서연 is still on.
    result = rostered.invoke(args=["oncall", "--field", "legal", "--at", "2026-11-24T22:30-05:00"])
    assert [line.split("\t")[1] for line in result.output.splitlines()] == ["이서연"]


def test_oncall_at_without_offset_is_local_time(rostered):
    result = rostered.invoke(args=["oncall", "--field", "legal", "--at", "2026-11-25T12:30"])
    assert [line.split("\t")[1] for line in result.output.splitlines()] == ["이서연"]


def test_oncall_prints_nothing_and_succeeds_when_nobody_is_on_call(rostered):
    result = rostered.invoke(args=["oncall", "--at", "2026-11-25T20:00"])
    assert result.exit_code == 0
    assert result.output == ""


def test_oncall_on_a_holiday_prints_nothing(rostered):
    result = rostered.invoke(args=["oncall", "--at", "2026-06-03T11:00"])  # local election
    assert (result.exit_code, result.output) == (0, "")


def test_oncall_unknown_field_is_a_clear_error(rostered):
    result = rostered.invoke(args=["oncall", "--field", "medical"])
    assert result.exit_code == 2
    assert "unknown field 'medical'" in result.output
    assert "legal (법률)" in result.output


def test_oncall_unreadable_at_is_a_clear_error(rostered):
    result = rostered.invoke(args=["oncall", "--at", "next tuesday"])
    assert result.exit_code == 2
    assert "is not an ISO 8601 date-time" in result.output


# --- users create -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_users_create_makes_an_account_of_each_staff_role(runner, db, role):
    result = runner.invoke(
        args=["users", "create", f"{role}@city.example", "--role", role, "--password", "x" * 12]
    )
    assert result.exit_code == 0, result.output
    assert f"Created {role} account {role}@city.example." in result.output
    user = db.scalar(select(User).where(User.email == f"{role}@city.example"))
    assert user.role == role
    assert verify_password(user, "x" * 12)


@pytest.mark.parametrize("spelling", ["010-1234-5678", "+821012345678", "01012345678"])
def test_users_create_links_a_counselor_by_any_phone_spelling(rostered, db, spelling):
    result = rostered.invoke(
        args=[
            "users", "create", "kim@city.example", "--role", "counselor",
            "--counselor", spelling, "--password", "long enough pw",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "linked to 김민준" in result.output
    user = db.scalar(select(User).where(User.email == "kim@city.example"))
    assert user.counselor.name == "김민준"


def test_users_create_counselor_account_needs_a_counselor(runner, db):
    result = runner.invoke(
        args=["users", "create", "kim@city.example", "--role", "counselor", "--password", "x" * 12]
    )
    assert result.exit_code == 1
    assert "needs --counselor PHONE" in result.output
    assert count(db, User) == 0


def test_users_create_with_an_unknown_counselor_phone_is_refused(runner, db):
    result = runner.invoke(
        args=[
            "users", "create", "kim@city.example", "--role", "counselor",
            "--counselor", "010-9999-8888", "--password", "x" * 12,
        ]
    )  # fmt: skip
    assert result.exit_code == 2
    assert "no counselor has the number 010-9999-8888" in result.output
    assert count(db, User) == 0


def test_users_create_with_an_invalid_counselor_phone_is_refused(runner, db):
    result = runner.invoke(
        args=[
            "users", "create", "kim@city.example", "--role", "counselor",
            "--counselor", "12", "--password", "x" * 12,
        ]
    )  # fmt: skip
    assert result.exit_code == 2
    assert "'12' is not a valid phone number" in result.output


def test_users_create_refuses_a_duplicate_email(runner, db):
    args = ["users", "create", "boss@city.example", "--role", "admin", "--password", "x" * 12]
    assert runner.invoke(args=args).exit_code == 0
    args[2] = "Boss@City.example"
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "an account for boss@city.example already exists" in result.output
    assert count(db, User) == 1


def test_users_create_refuses_a_short_password(runner, db):
    result = runner.invoke(
        args=["users", "create", "boss@city.example", "--role", "admin", "--password", "short"]
    )
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert count(db, User) == 0


def test_users_create_asks_for_the_password_when_not_given(runner, db):
    result = runner.invoke(
        args=["users", "create", "boss@city.example", "--role", "admin"],
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    user = db.scalar(select(User).where(User.email == "boss@city.example"))
    assert verify_password(user, "a long password")


def test_users_create_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["users", "create", "a@city.example", "--role", "mayor"])
    assert result.exit_code == 2


# --- demo load ----------------------------------------------------------------------------


def test_demo_load_creates_a_dozen_counselors_and_prints_logins(runner, db):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert count(db, Counselor) == 12
    assert count(db, WeeklyShift) >= 12
    for email in ("admin@demo.example", "coordinator@demo.example", "counselor@demo.example"):
        assert email in result.output
    counselor = db.scalar(select(User).where(User.email == "counselor@demo.example"))
    assert counselor.counselor is not None


def test_demo_roster_is_on_call_on_a_working_day(runner, db):
    runner.invoke(args=["demo", "load"])
    result = runner.invoke(args=["oncall", "--field", "legal", "--at", "2026-11-25T15:00"])
    assert result.output.splitlines() == ["legal\t김민준 변호사\t+821020010001\t010-2001-0001"]


def test_demo_load_twice_changes_nothing(runner, db):
    runner.invoke(args=["demo", "load"])
    before = (count(db, Counselor), count(db, WeeklyShift), count(db, User))
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert (count(db, Counselor), count(db, WeeklyShift), count(db, User)) == before


def test_demo_load_is_refused_in_production(app, runner, db, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 1
    assert "refused in production" in result.output
    assert count(db, Counselor) == 0


# --- through a real `flask` process ---------------------------------------------------------


def flask(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_commands_run_through_flask_on_a_fresh_sqlite_file(tmp_path, roster_file):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'line.sqlite3'}",
        "CALLCENTER_ENV": "development",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("TEST_DATABASE_URL", None)
    upgrade = flask("db", "upgrade", env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    imported = flask("roster", "import", roster_file(), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "Added 3 counselor(s)" in imported.stdout
    bad = flask("roster", "import", roster_file(ROSTER + "x,1,legal,wed,10:00,12:00\n"), env=env)
    assert bad.returncode == 1
    assert "line 5: 전화번호 '1'" in bad.stderr
    assert "Traceback" not in bad.stderr
    oncall = flask("oncall", "--field", "legal", "--at", "2026-11-25T10:30", env=env)
    assert oncall.returncode == 0, oncall.stderr
    assert oncall.stdout == "legal\t김민준\t+821012345678\t010-1234-5678\n"


def test_time_of_imported_shift_is_local_wall_clock(rostered, db):
    shift = db.scalar(select(WeeklyShift).join(Counselor).where(Counselor.name == "박도윤"))
    assert (shift.weekday, shift.start_time, shift.end_time) == (2, time(10), time(12))
