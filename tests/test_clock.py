"""One clock for the whole app: the back office, the jobs and the voice line read the same now."""

from datetime import UTC, datetime, timedelta

from callcenter import clock as app_clock
from callcenter.models import JobRun
from ivr.calls import current_time
from schedules.scheduler import run_job
from tests.roster_helpers import SEOUL

CHRISTMAS_EVE = datetime(2026, 12, 24, 9, 0, tzinfo=SEOUL)


def test_clock_reads_the_apps_clock_setting(app, clock):
    clock.now = CHRISTMAS_EVE
    with app.app_context():
        assert app_clock.now() == CHRISTMAS_EVE
        assert app_clock.today().isoformat() == "2026-12-24"


def test_clock_is_the_wall_clock_without_a_setting(app):
    with app.app_context():
        read = app_clock.now()
    assert abs(read - datetime.now(UTC)) < timedelta(minutes=1)


def test_ivr_clock_setting_still_drives_the_clock(app, monkeypatch):
    monkeypatch.setitem(app.config, "IVR_CLOCK", lambda: CHRISTMAS_EVE)
    with app.app_context():
        assert app_clock.now() == CHRISTMAS_EVE


def test_the_voice_line_reads_the_apps_clock(app, clock):
    clock.now = CHRISTMAS_EVE
    with app.test_request_context("/ivr/voice"):
        assert current_time() == CHRISTMAS_EVE


def test_the_start_page_shows_the_apps_now(client, login, clock):
    clock.now = CHRISTMAS_EVE
    login("coordinator")
    assert "2026-12-24 09:00" in client.get("/").get_data(as_text=True)


def test_the_calendar_opens_on_the_apps_today(client, login, clock):
    clock.now = CHRISTMAS_EVE
    login("coordinator")
    html = client.get("/rosters/calendar?view=month").get_data(as_text=True)
    assert "2026-12-01 – 2026-12-31" in html and "기독탄신일" in html


def test_the_closures_page_opens_on_the_apps_year(client, login, clock):
    clock.now = datetime(2031, 6, 1, 12, 0, tzinfo=SEOUL)
    login("coordinator")
    assert "2031" in client.get("/rosters/closures").get_data(as_text=True)


def test_a_job_run_is_stamped_by_the_apps_clock(app, db, clock):
    clock.now = CHRISTMAS_EVE
    run_job("release_stale")
    run = db.query(JobRun).one()
    assert run.started_at == CHRISTMAS_EVE == run.finished_at
