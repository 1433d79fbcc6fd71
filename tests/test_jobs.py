"""Scheduled jobs, each run with a controlled clock."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from callcenter.models import (
    Call,
    CallbackRequest,
    CallOutcome,
    JobRun,
    OutboxMessage,
    ShiftNotice,
    utcnow,
)
from schedules.jobs import (
    alert_coverage_gaps,
    announce_pending_callbacks,
    release_stale,
    send_shift_reminders,
)
from schedules.scheduler import (
    JOBS,
    JOBS_BY_ID,
    JobSpec,
    build_scheduler,
    every,
    next_run_times,
    register_jobs,
    run_job,
    start_scheduler,
)
from schedules.shifts import mark_unavailable
from tests.roster_helpers import MONDAY, TUESDAY, counselor, one_off, seoul, weekly

SUNDAY = MONDAY - timedelta(days=1)


def texts(db, to=None):
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sms")).all()
    return [m.body for m in rows if to is None or m.to == to]


@pytest.fixture
def kim(db, fields):
    who = counselor(db, "김변호", "+821011110001", fields["legal"])
    weekly(db, who, fields["legal"], 0, "09:00", "12:00")
    return who


# Shift reminders


def test_day_before_reminder_is_sent_a_day_ahead(db, kim):
    result = send_shift_reminders(db, seoul(SUNDAY, 9))
    assert result == {"sent": 1}
    assert "3월 8일(월) 09:00-12:00 법률" in texts(db, kim.phone)[0]


def test_reminder_is_never_sent_twice_for_the_same_occurrence(db, kim):
    send_shift_reminders(db, seoul(SUNDAY, 9))
    send_shift_reminders(db, seoul(SUNDAY, 9, 5))
    send_shift_reminders(db, seoul(SUNDAY, 20))
    assert len(texts(db)) == 1


def test_hour_before_reminder_follows_the_day_before_one(db, kim):
    send_shift_reminders(db, seoul(SUNDAY, 9))
    send_shift_reminders(db, seoul(MONDAY, 8))
    send_shift_reminders(db, seoul(MONDAY, 8, 30))
    kinds = sorted(db.scalars(select(ShiftNotice.kind)).all())
    assert kinds == ["reminder-1440", "reminder-60"]


def test_shift_added_at_short_notice_gets_only_the_nearest_reminder(db, kim):
    send_shift_reminders(db, seoul(MONDAY, 8, 30))
    assert db.scalars(select(ShiftNotice.kind)).all() == ["reminder-60"]


def test_no_reminder_when_the_counselor_is_away(db, kim):
    mark_unavailable(db, kim, seoul(MONDAY, 0), seoul(TUESDAY, 0))
    assert send_shift_reminders(db, seoul(SUNDAY, 9)) == {"sent": 0}


def test_reminder_offsets_are_configurable(db, kim, app, monkeypatch):
    monkeypatch.setitem(app.config, "SHIFT_REMINDER_MINUTES", "120")
    assert send_shift_reminders(db, seoul(SUNDAY, 9)) == {"sent": 0}
    assert send_shift_reminders(db, seoul(MONDAY, 7)) == {"sent": 1}


def test_no_reminder_for_a_shift_that_has_begun(db, kim):
    assert send_shift_reminders(db, seoul(MONDAY, 9, 30)) == {"sent": 0}


# Coverage-gap alerts


@pytest.fixture
def alert_phone(app, monkeypatch):
    monkeypatch.setitem(app.config, "COORDINATOR_ALERT_PHONES", "010-9999-0000")
    return "+821099990000"


def test_gap_alert_tells_coordinators_about_a_new_gap(db, kim, alert_phone):
    mark_unavailable(db, kim, seoul(MONDAY, 0), seoul(TUESDAY, 0))
    result = alert_coverage_gaps(db, seoul(SUNDAY, 8))
    assert result["new"] == 1
    (body,) = texts(db, alert_phone)
    assert "법률 3/8(월) 09:00-12:00" in body


def test_gap_alert_is_silent_when_nothing_changed(db, kim, alert_phone):
    mark_unavailable(db, kim, seoul(MONDAY, 0), seoul(TUESDAY, 0))
    alert_coverage_gaps(db, seoul(SUNDAY, 8))
    alert_coverage_gaps(db, seoul(SUNDAY, 9))
    assert len(texts(db, alert_phone)) == 1


def test_gap_alert_speaks_again_when_another_gap_opens(db, kim, alert_phone):
    alert_coverage_gaps(db, seoul(SUNDAY, 8))
    assert texts(db, alert_phone) == []
    mark_unavailable(db, kim, seoul(MONDAY, 0), seoul(TUESDAY, 0))
    alert_coverage_gaps(db, seoul(SUNDAY, 9))
    assert len(texts(db, alert_phone)) == 1


def test_filling_a_gap_sends_no_alert(db, fields, kim, alert_phone):
    lee = counselor(db, "이변호", "+821011110002", fields["legal"])
    mark_unavailable(db, kim, seoul(MONDAY, 0), seoul(TUESDAY, 0))
    alert_coverage_gaps(db, seoul(SUNDAY, 8))
    one_off(db, lee, fields["legal"], MONDAY, "09:00", "12:00")
    result = alert_coverage_gaps(db, seoul(SUNDAY, 9))
    assert result == {"gaps": 0, "new": 0, "sent": 0}


# Pending callbacks at the start of a shift


def test_counselor_hears_of_pending_callbacks_when_the_shift_starts(db, fields, kim):
    db.add(CallbackRequest(field_id=fields["legal"].id, phone="+821055550000", status="pending"))
    db.add(CallbackRequest(field_id=fields["tax"].id, phone="+821055550001", status="pending"))
    db.flush()
    assert announce_pending_callbacks(db, seoul(MONDAY, 9, 3)) == {"sent": 1}
    assert "콜백 요청이 1건" in texts(db, kim.phone)[0]


def test_pending_callbacks_are_announced_once_per_shift(db, fields, kim):
    db.add(CallbackRequest(field_id=fields["legal"].id, phone="+821055550000", status="pending"))
    db.flush()
    announce_pending_callbacks(db, seoul(MONDAY, 9, 3))
    announce_pending_callbacks(db, seoul(MONDAY, 9, 8))
    assert len(texts(db)) == 1


def test_no_callbacks_notice_when_none_are_pending(db, fields, kim):
    db.add(CallbackRequest(field_id=fields["legal"].id, phone="+821055550000", status="done"))
    db.flush()
    assert announce_pending_callbacks(db, seoul(MONDAY, 9, 3)) == {"sent": 0}


def test_callbacks_notice_not_sent_long_after_the_shift_began(db, fields, kim):
    db.add(CallbackRequest(field_id=fields["legal"].id, phone="+821055550000", status="pending"))
    db.flush()
    assert announce_pending_callbacks(db, seoul(MONDAY, 10)) == {"sent": 0}


# Stale state


def test_stale_busy_flag_is_released(db, kim):
    now = seoul(MONDAY, 12)
    kim.busy_since, kim.busy_call_sid = now - timedelta(hours=3), "CA1"
    db.flush()
    assert release_stale(db, now)["busy_flags"] == 1
    db.refresh(kim)
    assert kim.busy_since is None and kim.busy_call_sid is None


def test_recent_busy_flag_is_kept(db, kim):
    now = seoul(MONDAY, 12)
    kim.busy_since = now - timedelta(minutes=10)
    db.flush()
    assert release_stale(db, now)["busy_flags"] == 0


def test_call_left_without_a_final_status_is_closed_with_the_outcome_its_steps_show(db):
    now = seoul(MONDAY, 12)
    old = Call(call_sid="CAold", started_at=now - timedelta(hours=5))
    lately = (now - timedelta(minutes=2)).isoformat(timespec="seconds")
    live = Call(
        call_sid="CAlive",
        started_at=now - timedelta(minutes=20),
        steps=[{"step": "voicemail_started", "at": lately}],
    )
    db.add_all([old, live])
    db.flush()
    assert release_stale(db, now)["calls"] == 1
    db.refresh(old)
    db.refresh(live)
    # It never left the menu as far as we know.
    assert old.ended_at == now and old.outcome == CallOutcome.ABANDONED_MENU
    assert live.ended_at is None


def unfinished_call(db, call_sid, now, started, step, quiet, **columns):
    """Add a call with no final status, begun `started` ago, its last step `quiet` ago."""
    at = (now - quiet).isoformat(timespec="seconds")
    call = Call(
        call_sid=call_sid, started_at=now - started, steps=[{"step": step, "at": at}], **columns
    )
    db.add(call)
    db.flush()
    return call


def test_call_quiet_in_the_menu_for_a_quarter_hour_is_closed_within_minutes(db):
    now = seoul(MONDAY, 12)
    call = unfinished_call(
        db, "CAquiet", now, timedelta(minutes=17), "greeting", timedelta(minutes=16)
    )
    assert release_stale(db, now)["calls"] == 1
    db.refresh(call)
    assert call.ended_at == now and call.outcome == CallOutcome.ABANDONED_MENU


def test_call_in_a_long_conversation_is_not_closed(db, kim):
    now = seoul(MONDAY, 12)
    hour = timedelta(minutes=60)
    unfinished_call(db, "CAtalking", now, hour, "connected", hour, connected_counselor_id=kim.id)
    assert release_stale(db, now)["calls"] == 0


def test_unfinished_call_is_closed_as_twilio_says_it_ended(db, monkeypatch):
    from callcenter import telephony

    now = seoul(MONDAY, 12)
    call = unfinished_call(db, "CAended", now, timedelta(minutes=6), "queue", timedelta(minutes=1))
    monkeypatch.setattr(telephony, "call_state", lambda sid: ("completed", 300))
    assert release_stale(db, now)["calls"] == 1
    db.refresh(call)
    assert call.ended_at == now and call.status == "completed" and call.duration_seconds == 300


# The runner


def test_run_job_records_the_run_and_commits(db, kim):
    now = seoul(MONDAY, 12)
    kim.busy_since = now - timedelta(hours=3)
    db.commit()
    run_job("release_stale", now)
    db.expire_all()
    run = db.scalars(select(JobRun)).one()
    assert run.ok is True and run.detail == {"busy_flags": 1, "calls": 0, "kept_turns": 0}


@pytest.fixture
def paused(app, db):
    """Return a factory of started, paused schedulers over the database job store."""
    made = []

    def make(jobs=JOBS):  # type: ignore[no-untyped-def]
        scheduler = build_scheduler(app, jobs=jobs)
        scheduler.start(paused=True)
        made.append(scheduler)
        return scheduler

    yield make
    for scheduler in made:
        if scheduler.running:
            scheduler.shutdown(wait=False)


def stored_next_runs(scheduler):  # type: ignore[no-untyped-def]
    return {job.id: job.next_run_time for job in scheduler.get_jobs()}


def test_every_job_is_registered_with_a_next_run_time(paused):
    scheduler = paused()
    register_jobs(scheduler, seoul(MONDAY, 12))
    runs = stored_next_runs(scheduler)
    assert set(runs) == {spec.id for spec in JOBS}
    assert all(when is not None and when >= seoul(MONDAY, 12) for when in runs.values())


def test_interval_jobs_run_on_the_clock(paused):
    scheduler = paused()
    register_jobs(scheduler, seoul(MONDAY, 12, 2))
    assert stored_next_runs(scheduler)["shift_reminders"] == seoul(MONDAY, 12, 5)


def test_a_restart_keeps_the_run_that_fell_due_while_no_scheduler_ran(paused):
    first = paused()
    register_jobs(first, seoul(MONDAY, 7, 50))
    before = stored_next_runs(first)
    first.shutdown(wait=False)
    second = paused()
    register_jobs(second, seoul(MONDAY, 9))  # the 08:00 gap alert fell due meanwhile
    assert stored_next_runs(second) == before
    assert before["coverage_gaps"] == seoul(MONDAY, 8)


def test_a_changed_schedule_counts_from_the_restart(paused):
    hourly = JobSpec(**{**vars(JOBS_BY_ID["retention"]), "trigger": every(60)})
    first = paused(jobs=(hourly,))
    register_jobs(first, seoul(MONDAY, 1), jobs=(hourly,))
    first.shutdown(wait=False)
    second = paused()
    register_jobs(second, seoul(MONDAY, 9))
    assert stored_next_runs(second)["retention"] == seoul(TUESDAY, 3, 30)


def test_a_changed_grace_is_stored_and_the_next_run_kept(paused):
    strict = JobSpec(**{**vars(JOBS_BY_ID["retention"]), "grace": timedelta(minutes=1)})
    first = paused(jobs=(strict,))
    register_jobs(first, seoul(MONDAY, 1), jobs=(strict,))
    first.shutdown(wait=False)
    second = paused()
    register_jobs(second, seoul(MONDAY, 9))
    job = second.get_job("retention")
    assert job.misfire_grace_time == 24 * 3600
    assert job.next_run_time == seoul(MONDAY, 3, 30)


def test_a_job_this_version_no_longer_has_is_removed(paused):
    gone = JobSpec(**{**vars(JOBS_BY_ID["retention"]), "id": "old_job"})
    first = paused(jobs=(gone,))
    register_jobs(first, seoul(MONDAY, 1), jobs=(gone,))
    first.shutdown(wait=False)
    second = paused()
    register_jobs(second, seoul(MONDAY, 9))
    assert "old_job" not in stored_next_runs(second)


def test_several_missed_runs_are_made_up_by_one_run(app, db):
    ran = threading.Event()
    spec = JobSpec(
        "release_stale",
        "멈춘 통화·통화 중 표시 정리",
        "10분마다",
        lambda session, now: ran.set() or {},
        every(10),
        timedelta(minutes=10),
    )
    past = utcnow() - timedelta(minutes=35)  # three runs fell due since
    first = build_scheduler(app, jobs=(spec,))
    first.start(paused=True)
    register_jobs(first, past, jobs=(spec,))
    first.shutdown(wait=False)
    scheduler = start_scheduler(app, jobs=(spec,))
    try:
        assert ran.wait(10)
        ran.clear()
        assert not ran.wait(0.5)  # no second run comes
    finally:
        scheduler.shutdown(wait=True)
    db.expire_all()
    assert db.scalars(select(JobRun.job_id)).all() == ["release_stale"]
    (stored,) = next_run_times(db).values()
    assert stored > utcnow()


def test_run_job_command_runs_one_job_now(runner, db):
    result = runner.invoke(args=["scheduler", "run-job", "release_stale"])
    assert result.exit_code == 0, result.output
    assert "busy_flags" in result.output
    assert db.scalars(select(JobRun.job_id)).all() == ["release_stale"]
