"""Voice messages reach someone: assigned, announced by SMS, and chased when left unhandled."""

from datetime import datetime, time

from sqlalchemy import select

from callcenter.models import DayOverride, OutboxMessage, Voicemail
from schedules.jobs import alert_overdue_voicemails
from tests.ivr_support import SEOUL, play

SATURDAY = datetime(2027, 3, 6, 11, 0, tzinfo=SEOUL)


def texts(db, to=None):
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sms")).all()
    return [m.body for m in rows if to is None or m.to == to]


def leave_message(walker, **options):
    return play(walker, "1", "2", record_seconds=30, repeat_callbacks=True, **options)


def test_voice_message_goes_to_the_counselor_of_the_next_session(db, walker, on_shift, clock):
    kim = on_shift("legal", name="김변호", weekday=0)  # Monday afternoon
    clock.now = SATURDAY
    leave_message(walker)
    message = db.scalar(select(Voicemail))
    assert (message.assigned_to_id, message.status) == (kim.id, "assigned")


def test_counselor_is_told_of_a_new_voice_message_without_the_callers_number(
    db, walker, on_shift, clock
):
    kim = on_shift("legal", name="김변호", weekday=0)  # Monday afternoon
    clock.now = SATURDAY
    leave_message(walker, caller="+821055551234")
    (body,) = texts(db, kim.phone)
    assert "김변호 님께 법률 음성 메시지가 배정되었습니다" in body
    assert "5555" not in body and "1234" not in body


def test_voice_message_left_during_a_session_goes_to_a_counselor_on_call(
    db, walker, on_shift, clock
):
    kim = on_shift("legal", name="김변호")
    play(walker, "1", "2", record_seconds=30, counselors=["no-answer"])
    message = db.scalar(select(Voicemail))
    assert message is not None and message.assigned_to_id == kim.id


def test_voice_message_with_nobody_rostered_soon_stays_with_the_coordinators(
    db, walker, on_shift, clock, settings
):
    settings(COORDINATOR_ALERT_PHONES="010-9999-0000", VOICEMAIL_ASSIGN_WITHIN_HOURS=24)
    on_shift("legal", weekday=0)  # Monday afternoon: more than a day after Saturday morning
    clock.now = SATURDAY
    leave_message(walker)
    message = db.scalar(select(Voicemail))
    assert (message.assigned_to_id, message.status) == (None, "new")
    (body,) = texts(db, "+821099990000")
    assert "가까운 근무자가 없어" in body and "5555" not in body


def test_voice_message_is_announced_once_although_both_callbacks_come_twice(
    db, walker, on_shift, clock
):
    on_shift("legal", weekday=0)
    clock.now = SATURDAY
    leave_message(walker)
    assert len(texts(db)) == 1


def test_counselor_home_lists_the_voice_messages_assigned_to_them(
    db, walker, on_shift, clock, client, login
):
    kim = on_shift("legal", name="김변호", weekday=0)  # Monday afternoon
    clock.now = SATURDAY
    leave_message(walker)
    login("counselor", counselor=kim)
    page = client.get("/").get_data(as_text=True)
    assert "내 음성 메시지" in page
    assert f"/voicemails/{db.scalar(select(Voicemail.id))}" in page


def _message(db, fields, at, **values):
    values.setdefault("status", "new")
    message = Voicemail(field_id=fields["legal"].id, created_at=at, **values)
    db.add(message)
    db.commit()
    return message


def test_unhandled_voice_message_a_working_day_old_alerts_the_coordinators(db, fields, settings):
    settings(COORDINATOR_ALERT_PHONES="010-9999-0000")
    _message(db, fields, datetime(2027, 3, 2, 10, 0, tzinfo=SEOUL))
    result = alert_overdue_voicemails(db, datetime(2027, 3, 3, 10, 5, tzinfo=SEOUL))
    assert result == {"overdue": 1, "sent": 1}
    (body,) = texts(db, "+821099990000")
    assert "처리되지 않은 음성 메시지가 1건" in body and "법률 1건" in body


def test_voice_message_is_not_overdue_before_a_working_day_has_passed(db, fields, settings):
    settings(COORDINATOR_ALERT_PHONES="010-9999-0000")
    _message(db, fields, datetime(2027, 3, 5, 17, 0, tzinfo=SEOUL))  # a Friday evening
    saturday = datetime(2027, 3, 6, 17, 30, tzinfo=SEOUL)
    assert alert_overdue_voicemails(db, saturday)["overdue"] == 0
    monday = datetime(2027, 3, 8, 17, 30, tzinfo=SEOUL)
    assert alert_overdue_voicemails(db, monday)["overdue"] == 1


def test_closure_days_do_not_count_towards_a_working_day(db, fields, settings):
    settings(COORDINATOR_ALERT_PHONES="010-9999-0000")
    # Left on the Friday before Chuseok (Tuesday 2027-09-14 to Thursday 09-16).
    _message(db, fields, datetime(2027, 9, 13, 12, 0, tzinfo=SEOUL))
    assert alert_overdue_voicemails(db, datetime(2027, 9, 16, 13, 0, tzinfo=SEOUL))["overdue"] == 0
    assert alert_overdue_voicemails(db, datetime(2027, 9, 17, 12, 5, tzinfo=SEOUL))["overdue"] == 1


def test_a_day_a_coordinator_closed_does_not_count_either(db, fields, settings):
    db.add(DayOverride(date=datetime(2027, 3, 3).date(), kind="closed", reason="사무실 행사"))
    db.commit()
    _message(db, fields, datetime(2027, 3, 2, 10, 0, tzinfo=SEOUL))
    assert alert_overdue_voicemails(db, datetime(2027, 3, 3, 10, 5, tzinfo=SEOUL))["overdue"] == 0
    assert alert_overdue_voicemails(db, datetime(2027, 3, 4, 10, 5, tzinfo=SEOUL))["overdue"] == 1


def test_overdue_voice_message_is_reported_only_once(db, fields, settings):
    settings(COORDINATOR_ALERT_PHONES="010-9999-0000")
    _message(db, fields, datetime(2027, 3, 2, 10, 0, tzinfo=SEOUL))
    alert_overdue_voicemails(db, datetime(2027, 3, 3, 10, 5, tzinfo=SEOUL))
    again = alert_overdue_voicemails(db, datetime(2027, 3, 3, 10, 35, tzinfo=SEOUL))
    assert again == {"overdue": 0, "sent": 0}


def test_handled_voice_message_is_never_overdue(db, fields, settings):
    _message(
        db,
        fields,
        datetime(2027, 3, 2, 10, 0, tzinfo=SEOUL),
        status="handled",
        handled_at=datetime.combine(datetime(2027, 3, 2).date(), time(11), SEOUL),
    )
    assert alert_overdue_voicemails(db, datetime(2027, 3, 4, 10, 0, tzinfo=SEOUL))["overdue"] == 0
