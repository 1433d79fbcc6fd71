"""Every report figure, computed by the database over a data set with known answers."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from callcenter.models import Call, CallbackRequest, Consultation, ReportConsultationDay
from callcenter.reporting import Period, build_report
from callcenter.reporting.rollup import refresh
from tests.report_data import SEOUL, build_year, kst

ROLLUPS = {
    "live": None,  # no rollup: every figure from the raw tables
    "rolled-up": kst(2028, 1, 2),  # every day from the rollup tables
    "half-rolled-up": kst(2027, 1, 20, 12),  # up to 19 January rolled up, the rest live
}


@pytest.fixture(params=list(ROLLUPS))
def rollup(request, db):
    """Return a function that rolls the data set up as far as the parameter says."""

    def apply() -> None:
        if ROLLUPS[request.param] is not None:
            refresh(db, ROLLUPS[request.param], SEOUL)
            db.commit()

    return apply


@pytest.fixture
def year(db, fields, rollup):
    """Return the 2027 report over the hand-built data set."""
    counselors = build_year(db, fields)
    rollup()
    report = build_report(db, Period.year(2027), SEOUL)
    report.counselors_by_name = {c.name: c for c in report.counselors}
    report.people = counselors
    return report


@pytest.fixture
def january(db, fields, rollup):
    """Return the January 2027 report, day by day."""
    build_year(db, fields)
    rollup()
    return build_report(db, Period.month(2027, 1), SEOUL)


def test_yearly_report_has_one_bucket_per_month(year):
    assert year.buckets == [f"2027-{m:02d}" for m in range(1, 13)]


def test_consultations_are_counted_in_their_local_month(year):
    by_month = year.consultations.by_bucket
    assert dict(by_month["2027-01"]) == {"phone": 2, "visit": 1}
    assert dict(by_month["2027-02"]) == {"callback": 1}
    assert dict(by_month["2027-03"]) == {"phone": 1}


def test_consultations_by_channel_exclude_drafts_and_other_years(year):
    assert dict(year.consultations.total) == {"phone": 3, "visit": 1, "callback": 1}
    assert year.consultations.drafts == 1


def test_consultations_by_field(year, fields):
    assert dict(year.consultations.by_field[fields["legal"].id]) == {"phone": 2, "visit": 1}
    assert dict(year.consultations.by_field[fields["tax"].id]) == {"phone": 1, "callback": 1}


def test_consultations_by_outcome(year):
    assert dict(year.consultations.by_outcome) == {"advice": 3, "referred": 1, "follow_up": 1}


def test_calls_offered_answered_and_abandoned_per_month(year):
    january = year.calls["2027-01"]
    assert (january.offered, january.answered) == (5, 3)
    assert (january.abandoned_menu, january.abandoned_queue, january.abandoned) == (1, 1, 2)
    assert year.calls["2027-02"].offered == 1


def test_blocked_calls_are_not_offered(year):
    assert year.calls_total.offered == 6


def test_calls_answered_within_twenty_seconds(year):
    assert year.calls["2027-01"].answered_in_target == 1  # waits 20, 45 and 30 s
    assert year.calls_total.answered_in_target == 2  # and 10 s in February
    assert year.calls_total.service_level == pytest.approx(100 * 2 / 6)


def test_average_wait_of_answered_calls(year):
    assert year.calls["2027-01"].average_wait == pytest.approx(95 / 3)
    assert year.calls_total.average_wait == pytest.approx(26.25)


def test_ninetieth_percentile_wait_is_nearest_rank(year):
    assert year.calls["2027-01"].p90_wait == 45
    assert year.calls["2027-02"].p90_wait == 10
    assert year.calls_total.p90_wait == 45


def test_calls_by_field(year, fields):
    assert year.calls_by_field[fields["legal"].id].answered == 2
    assert year.calls_by_field[fields["tax"].id].abandoned_queue == 1
    assert year.calls_by_field[None].abandoned_menu == 1


def test_calls_abandoned_while_a_counselors_phone_rang_count_as_abandoned(db, fields, rollup):
    legal = fields["legal"]
    for n, outcome in enumerate(["abandoned_ringing", "abandoned_ringing", "abandoned_menu"]):
        db.add(
            Call(
                call_sid=f"CAringing{n}",
                started_at=kst(2027, 1, 4, 10, n),
                field_id=legal.id,
                outcome=outcome,
                status="completed",
                steps=[],
            )
        )
    db.commit()
    rollup()
    report = build_report(db, Period.year(2027), SEOUL)
    january = report.calls["2027-01"]
    assert (january.offered, january.abandoned_ringing, january.abandoned) == (3, 2, 3)
    assert report.calls_by_field[legal.id].abandoned_ringing == 2
    assert report.calls_total.abandoned_ringing == 2


def test_practice_calls_are_left_out_of_the_figures(db, fields, rollup):
    legal = fields["legal"]
    for n, practice in enumerate([False, True, True]):
        db.add(
            Call(
                call_sid=f"CApractice{n}",
                started_at=kst(2027, 1, 4, 10, n),
                answered_at=kst(2027, 1, 4, 10, n, 10),
                field_id=legal.id,
                outcome="connected",
                status="completed",
                duration_seconds=60,
                practice=practice,
                steps=[],
            )
        )
    db.commit()
    rollup()
    report = build_report(db, Period.year(2027), SEOUL)
    january = report.calls["2027-01"]
    assert (january.offered, january.answered, january.answered_in_target) == (1, 1, 1)
    assert report.calls_by_field[legal.id].answered == 1


def test_callbacks_requested_and_completed_with_time_to_callback(year):
    january = year.callbacks["2027-01"]
    assert (january.requested, january.web, january.completed, january.cancelled) == (3, 2, 2, 1)
    assert january.average_minutes == pytest.approx(45.0)
    assert january.p90_minutes == pytest.approx(60.0)
    assert year.callbacks_total.requested == 4
    assert year.callbacks["2027-03"].completed == 0


def test_voice_messages_per_month(year):
    assert year.voicemails == {"2027-01": 2, "2027-03": 1}


def test_satisfaction_scores(year):
    assert year.calls_total.satisfaction_responses == 3
    assert year.calls_total.satisfaction == pytest.approx(4.0)
    assert dict(year.satisfaction) == {3: 1, 4: 1, 5: 1}


def test_load_per_counselor(year):
    a, b = year.counselors_by_name["김법률"], year.counselors_by_name["이세무"]
    assert (a.consultations, a.consultation_minutes, a.calls, a.call_minutes) == (3, 55, 2, 15.0)
    assert (b.consultations, b.consultation_minutes, b.calls, b.call_minutes) == (2, 25, 2, 3.0)
    assert [c.name for c in year.counselors] == ["김법률", "이세무"]


def test_weekday_by_hour_heat_map_uses_local_time(year):
    assert year.heatmap[0][9] == 2  # Monday 4 January, 09:10 and 09:20
    assert year.heatmap[1][14] == 3  # Tuesday 5 January, 14:00 to 14:10
    assert year.heatmap[0][0] == 1  # Monday 1 February, 00:05
    assert sum(map(sum, year.heatmap)) == 6


def test_busiest_hours_and_weekdays(year):
    assert year.busiest_hours == [(14, 3), (9, 2), (0, 1)]
    assert year.busiest_weekdays == [(0, 3), (1, 3)]


def test_monthly_report_counts_day_by_day(january):
    assert len(january.buckets) == 31
    assert january.calls["2027-01-04"].offered == 2
    assert january.calls["2027-01-04"].p90_wait == 45
    assert january.calls["2027-01-05"].abandoned == 2
    assert dict(january.consultations.by_bucket["2027-01-01"]) == {"phone": 1}
    assert "2027-02-01" not in january.consultations.by_bucket


def test_rollup_keeps_counts_of_purged_rows(db, fields):
    build_year(db, fields)
    refresh(db, kst(2028, 1, 2), SEOUL)
    db.execute(delete(Consultation))
    db.commit()
    report = build_report(db, Period.year(2027), SEOUL)
    assert sum(report.consultations.total.values()) == 5


def test_rollup_redoes_the_days_of_edited_consultations(db, fields):
    build_year(db, fields)
    refresh(db, kst(2028, 1, 2), SEOUL)
    db.commit()
    visit = db.scalar(select(Consultation).where(Consultation.channel == "visit"))
    visit.channel = "phone"
    visit.updated_at = kst(2028, 1, 2, 10)
    db.commit()
    assert refresh(db, kst(2028, 1, 2, 11), SEOUL) == [
        (visit.started_at.date(), kst(2027, 2, 1).date())
    ]
    db.commit()
    report = build_report(db, Period.year(2027), SEOUL)
    assert dict(report.consultations.total) == {"phone": 4, "callback": 1}


def test_rollup_reaches_yesterday_and_leaves_today_live(db, fields):
    build_year(db, fields)
    refresh(db, kst(2027, 3, 5, 9), SEOUL)
    db.commit()
    days = set(db.scalars(select(ReportConsultationDay.day)))
    assert max(days).isoformat() == "2027-02-01"  # 5 and 6 March are today and later
    report = build_report(db, Period.month(2027, 3), SEOUL)
    assert dict(report.consultations.total) == {"phone": 1}
    assert report.consultations.drafts == 1


def test_rollup_command_reports_what_it_rolled_up(runner, db, fields, clock):
    build_year(db, fields)
    result = runner.invoke(args=["reports", "rollup"])
    assert result.exit_code == 0, result.output
    assert "Rolled up 2026-12-31 to 2027-03-02" in result.output
    again = runner.invoke(args=["reports", "rollup"])
    assert again.output.strip() == "Report rollups are up to date."


def test_rollup_job_returns_the_days_it_rolled_up(app, db, fields):
    from callcenter.reporting.rollup import rollup_job

    build_year(db, fields)
    detail = rollup_job(db, kst(2027, 2, 1, 9))
    assert detail == {"rolled_up": [["2026-12-31", "2027-02-01"]]}


def test_callbacks_count_the_callers_who_kept_their_place_in_the_queue(db, fields):
    legal = fields["legal"]
    for n, kept in enumerate([True, False]):
        call = Call(
            call_sid=f"CAkept{n}",
            started_at=kst(2027, 1, 4, 10, n),
            field_id=legal.id,
            outcome="callback_requested",
            status="completed",
            queue_entered_at=kst(2027, 1, 4, 10, n, 5),
            kept_turn_at=kst(2027, 1, 4, 10, n, 50) if kept else None,
            steps=[],
        )
        db.add(call)
        db.flush()
        db.add(
            CallbackRequest(
                requested_at=kst(2027, 1, 4, 10, n, 50),
                status="pending",
                source="ivr",
                field_id=legal.id,
                call_id=call.id,
            )
        )
    db.add(CallbackRequest(requested_at=kst(2027, 1, 5, 9), status="pending", source="web"))
    db.commit()
    report = build_report(db, Period.year(2027), SEOUL)
    january = report.callbacks["2027-01"]
    assert (january.requested, january.web, january.kept_turns) == (3, 1, 1)
    assert report.callbacks_total.kept_turns == 1
