"""Caller stories: waiting while every counselor of the field is on a call."""

from datetime import timedelta

from sqlalchemy import select

from callcenter.models import Call, CallbackRequest, Counselor, OutboxMessage
from tests.ivr_support import SEOUL, play


def make_busy(db, counselor, clock, leg_sid="CAbusyleg"):
    counselor.busy_since = clock.now - timedelta(minutes=5)
    counselor.busy_call_sid = leg_sid
    db.commit()


def test_caller_waits_in_the_field_queue_when_every_counselor_is_busy(
    db, walker, on_shift, fields, clock
):
    make_busy(db, on_shift("legal"), clock)
    queued(db, fields["legal"], clock, "CAahead")
    # Twilio's own position is not what the caller hears: the line's first-come order is.
    transcript = play(walker, "1", queue_polls=2, queue_position=7, queue_average=240)
    enqueue = next(d for d in transcript.documents("/ivr/menu") if d.find("Enqueue") is not None)
    assert enqueue.find("Enqueue").text == "field-legal"
    assert "대기 순서는 두 번째이며, 예상 대기 시간은 약 4분입니다." in transcript.heard
    call = db.scalar(select(Call).where(Call.call_sid == transcript.call_sid))
    assert call.outcome == "abandoned_queue"


def test_star_in_the_queue_leaves_it_for_a_callback(db, walker, on_shift, clock):
    make_busy(db, on_shift("legal"), clock)
    play(walker, "1", "1", queue_polls=3, queue_keys={1: "*"})
    request = db.scalar(select(CallbackRequest))
    assert request is not None and request.phone == "+821055551234"
    call = db.scalar(select(Call))
    assert call.outcome == "callback_requested"
    assert call.queue_left_at is not None


def test_waiting_past_the_maximum_ends_in_the_callback_offer(db, walker, on_shift, clock, settings):
    settings(IVR_QUEUE_MAX_WAIT=30, IVR_QUEUE_PAUSE=20)
    make_busy(db, on_shift("legal"), clock)
    transcript = play(walker, "1", "2", queue_polls=5, record_seconds=15)
    assert "오래 기다려 주셔서 감사합니다" in transcript.heard
    assert db.scalar(select(Call)).outcome == "voice_message"


def test_freed_counselor_gets_the_longest_waiting_caller(db, walker, on_shift, clock):
    counselor = on_shift("legal")
    make_busy(db, counselor, clock, leg_sid="CAearlier")

    def earlier_call_ends(walker, poll):
        if poll == 1:
            walker.leg_ended("CAearlier", "CAparent")

    transcript = play(
        walker, "1", "4", queue_polls=4, on_queue_poll=earlier_call_ends, counselors=["answers"]
    )
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "call_update"))
    call = db.scalar(select(Call))
    assert call.outcome == "connected"
    assert call.connected_counselor_id == counselor.id
    assert "대기열에서 상담위원에게로 옮겨짐" in transcript.events
    db.expire_all()
    assert db.get(Counselor, counselor.id).busy_since is None


def test_freed_counselor_is_not_sent_callers_of_fields_they_are_not_on_call_for(
    db, walker, on_shift, clock
):
    legal = on_shift("legal")
    make_busy(db, on_shift("tax"), clock, leg_sid="CAtaxbusy")
    make_busy(db, legal, clock, leg_sid="CAlegalbusy")

    def legal_call_ends(walker, poll):
        if poll == 0:
            walker.leg_ended("CAlegalbusy", "CAother")

    play(walker, "3", queue_polls=2, on_queue_poll=legal_call_ends)
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "call_update")) is None


def test_head_of_the_queue_goes_to_a_counselor_whose_shift_begins(db, walker, on_shift, clock):
    make_busy(db, on_shift("legal"), clock)
    newcomer = {}

    def shift_begins(walker, poll):
        if poll == 1:
            newcomer["counselor"] = on_shift("legal")

    play(walker, "1", queue_polls=4, on_queue_poll=shift_begins, counselors=["answers"])
    call = db.scalar(select(Call))
    assert call.outcome == "connected"
    assert call.connected_counselor_id == newcomer["counselor"].id


def test_only_the_head_of_the_queue_leaves_for_a_free_counselor(
    db, walker, on_shift, fields, clock
):
    make_busy(db, on_shift("legal"), clock)
    queued(db, fields["legal"], clock, "CAahead")
    newcomer = {}

    def shift_begins(walker, poll):
        if poll == 0:
            newcomer["counselor"] = on_shift("legal")

    transcript = play(walker, "1", queue_polls=2, on_queue_poll=shift_begins)
    assert "대기열에서 나감" not in transcript.events
    ahead = db.scalar(select(Call).where(Call.call_sid == "CAahead"))
    assert ahead.reached("dequeued")
    assert db.get(Counselor, newcomer["counselor"].id).reserved_call_sid == "CAahead"


def test_caller_from_the_queue_goes_back_to_it_when_the_freed_counselor_does_not_answer(
    db, walker, on_shift, clock
):
    freed = on_shift("legal")
    make_busy(db, freed, clock, leg_sid="CAearlier")
    make_busy(db, on_shift("legal"), clock, leg_sid="CAstillbusy")

    def earlier_call_ends(walker, poll):
        if poll == 0:
            walker.leg_ended("CAearlier", "CAparent")

    transcript = play(
        walker, "1", queue_polls=2, on_queue_poll=earlier_call_ends, counselors=["no-answer"]
    )
    enqueued = [e for e in transcript.events if e.startswith("대기열 field-legal")]
    assert len(enqueued) == 2
    assert db.scalar(select(Call)).outcome == "abandoned_queue"


def post_signed(app, client, path, **form):
    from twilio.request_validator import RequestValidator

    form = {"CallSid": "CAwaiting", "From": "+821055551234", **form}
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
        f"http://localhost{path}", form
    )
    response = client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def waiting_call(db, fields, clock, waited=timedelta(minutes=1), **columns):
    call = Call(
        call_sid="CAwaiting",
        field_id=fields["legal"].id,
        started_at=clock.now - waited,
        queue_entered_at=clock.now - waited,
        **columns,
    )
    db.add(call)
    db.commit()
    return call


def test_other_keys_in_the_queue_keep_waiting_for_the_same_field(app, client, db, fields, clock):
    waiting_call(db, fields, clock)
    field = fields["legal"].id
    answer = post_signed(app, client, f"/ivr/queue/key?lang=ko&field={field}", Digits="5")
    assert f"/ivr/queue/wait?lang=ko&amp;field={field}" in answer


def test_wait_counts_from_first_queueing_even_after_a_return_to_the_queue(
    app, client, db, fields, clock, settings
):
    settings(IVR_QUEUE_MAX_WAIT=600)
    waiting_call(db, fields, clock, waited=timedelta(minutes=11))
    path = f"/ivr/queue/wait?lang=ko&field={fields['legal'].id}"
    answer = post_signed(app, client, path, QueueTime="5", QueuePosition="2")
    assert "<Leave" in answer
    assert db.scalar(select(Call)).reached("queue_timeout")


def test_head_of_queue_taken_by_a_freed_counselor_is_not_sent_twice(
    app, client, db, fields, on_shift, clock
):
    on_shift("legal")
    waiting_call(db, fields, clock, queue_left_at=clock.now)  # a redirect is on its way
    path = f"/ivr/queue/wait?lang=ko&field={fields['legal'].id}"
    answer = post_signed(app, client, path, QueueTime="60", QueuePosition="1")
    assert "<Leave" not in answer
    assert not db.scalar(select(Call)).reached("queue_counselor_free")


def test_full_queue_leads_to_the_callback_offer(app, client, db, fields, clock):
    waiting_call(db, fields, clock)
    answer = post_signed(app, client, "/ivr/queue/done?lang=ko", QueueResult="queue-full")
    assert "대기 순서에 들어가실 수 없습니다" in answer
    assert "콜백을 원하시면 1번" in answer


def queued(db, field, clock, *call_sids):
    """Put calls in a field's queue, the first the longest waiting (a minute apart)."""
    for n, call_sid in enumerate(call_sids):
        waited = timedelta(minutes=len(call_sids) - n)
        db.add(
            Call(
                call_sid=call_sid,
                field_id=field.id,
                started_at=clock.now - waited,
                queue_entered_at=clock.now - waited,
            )
        )
    db.commit()


def test_freed_counselor_goes_to_the_next_caller_when_the_first_cannot_be_reached(
    app, db, fields, on_shift, clock, monkeypatch
):
    from callcenter import telephony
    from ivr import queueing

    counselor = on_shift("legal")
    queued(db, fields["legal"], clock, "CAgone", "CAlive")
    tried = []

    def redirect(session, call_sid, url):
        tried.append(call_sid)
        gone = call_sid == "CAgone"
        return telephony.Sent(not gone, None, 0, "21220" if gone else None, refused=gone)

    monkeypatch.setattr(telephony, "redirect_call", redirect)
    with app.test_request_context("/ivr/status", method="POST"):
        queueing.serve_freed(db, [counselor.id], clock.now, SEOUL)
    assert tried == ["CAgone", "CAlive"]
    assert db.get(Counselor, counselor.id).reserved_call_sid == "CAlive"
    gone = db.scalar(select(Call).where(Call.call_sid == "CAgone"))
    assert gone.reached("dequeue_failed")
    assert gone.queue_left_at is not None  # gone for good: no longer ahead of anyone


def test_freed_counselor_is_not_offered_callers_of_fields_they_do_not_serve(
    db, fields, on_shift, clock
):
    from ivr import queueing

    counselor = on_shift("legal")
    queued(db, fields["tax"], clock, "CAtax")
    queueing.serve_freed(db, [counselor.id], clock.now, SEOUL)
    assert db.scalar(select(Call)).queue_left_at is None
    assert db.get(Counselor, counselor.id).reserved_call_sid is None


def test_hold_music_plays_while_waiting_when_configured(db, walker, on_shift, clock, settings):
    settings(IVR_HOLD_MUSIC_URL="https://line.example.org/hold.mp3")
    make_busy(db, on_shift("legal"), clock)
    transcript = play(walker, "1", queue_polls=1)
    wait = transcript.documents("/ivr/queue/wait")[0]
    assert [p.text for p in wait.iter("Play")] == ["https://line.example.org/hold.mp3"]
    assert not list(wait.iter("Pause"))


def test_freed_counselor_stays_reserved_for_the_caller_when_twilio_does_not_answer(
    app, db, fields, on_shift, clock, monkeypatch
):
    from callcenter import telephony
    from ivr import queueing

    counselor = on_shift("legal")
    queued(db, fields["legal"], clock, "CAfirst", "CAsecond")
    tried = []

    def no_answer(session, call_sid, url):
        tried.append(call_sid)
        return telephony.Sent(False, None, 0, "read timed out", refused=False)

    monkeypatch.setattr(telephony, "redirect_call", no_answer)
    with app.test_request_context("/ivr/status", method="POST"):
        queueing.serve_freed(db, [counselor.id], clock.now, SEOUL)
    assert tried == ["CAfirst"]
    first = db.scalar(select(Call).where(Call.call_sid == "CAfirst"))
    assert first.queue_left_at is not None  # the redirect may have happened: still taken
    assert db.get(Counselor, counselor.id).reserved_call_sid == "CAfirst"


def test_caller_taken_by_a_freed_counselor_at_the_maximum_wait_is_not_sent_away(
    app, client, db, fields, clock, settings
):
    settings(IVR_QUEUE_MAX_WAIT=600)
    waiting_call(db, fields, clock, waited=timedelta(minutes=11), queue_left_at=clock.now)
    path = f"/ivr/queue/wait?lang=ko&field={fields['legal'].id}"
    answer = post_signed(app, client, path, QueueTime="660", QueuePosition="1")
    assert "<Leave" not in answer
    assert not db.scalar(select(Call)).reached("queue_timeout")


def test_an_old_reason_to_leave_the_queue_does_not_decide_a_later_wait(
    app, client, db, fields, on_shift, clock
):
    on_shift("legal")
    earlier = (clock.now - timedelta(minutes=30)).isoformat(timespec="seconds")
    steps = [
        {"step": "queue", "at": earlier},
        {"step": "queue_counselor_free", "at": earlier},
        {"step": "queue", "at": earlier},
    ]
    waiting_call(db, fields, clock, steps=steps)
    answer = post_signed(app, client, "/ivr/queue/done?lang=ko", QueueResult="leave")
    assert "<Dial" not in answer and "<Enqueue" not in answer
    assert "콜백을 원하시면 1번" in answer


def test_callers_who_choose_a_field_in_the_same_second_are_served_in_the_order_they_chose(
    app, client, db, on_shift, clock
):
    from xml.etree import ElementTree

    def no_answer(caller: str, ring: str) -> str:
        action = next(ElementTree.fromstring(ring).iter("Dial")).get("action").split("#")[0]
        return post_signed(app, client, action, CallSid=caller, DialCallStatus="no-answer")

    rung, talking = on_shift("legal"), on_shift("legal")
    make_busy(db, talking, clock, leg_sid="CAtalking")
    second = clock.now
    # The later caller's call began first, so its record is the older one.
    post_signed(app, client, "/ivr/voice", CallSid="CAlater")
    post_signed(app, client, "/ivr/voice", CallSid="CAearlier")
    clock.now = second + timedelta(milliseconds=300)
    first_ring = post_signed(app, client, "/ivr/menu?lang=ko", CallSid="CAearlier", Digits="1")
    clock.now = second + timedelta(milliseconds=600)
    assert "<Enqueue" in post_signed(
        app, client, "/ivr/menu?lang=ko", CallSid="CAlater", Digits="1"
    )
    # Neither answers at the first counselor's: both wait for the one still talking.
    clock.now = second + timedelta(seconds=20)
    assert "<Enqueue" in no_answer("CAearlier", first_ring)
    second_ring = post_signed(app, client, "/ivr/queue/connect?lang=ko", CallSid="CAlater")
    assert rung.phone in second_ring
    clock.now = second + timedelta(seconds=40)
    assert "<Enqueue" in no_answer("CAlater", second_ring)
    post_signed(
        app, client, "/ivr/status", CallSid="CAtalking", ParentCallSid="CAx", CallStatus="completed"
    )
    db.expire_all()
    assert db.get(Counselor, talking.id).reserved_call_sid == "CAearlier"


def test_a_deadlock_in_the_queue_dispatch_after_the_answer_does_not_ring_another_counselor(
    app, client, db, fields, on_shift, clock, monkeypatch
):
    from xml.etree import ElementTree

    from sqlalchemy.exc import OperationalError

    from ivr import queueing

    class DeadlockDetected(Exception):
        sqlstate = "40P01"

    first, second, third = on_shift("legal"), on_shift("legal"), on_shift("legal")
    ring = post_signed(app, client, "/ivr/menu?lang=ko", CallSid="CAcaller", Digits="1")
    assert first.phone in ring
    later = clock.now + timedelta(seconds=1)
    db.add(Call(call_sid="CAwaiter", field_id=fields["legal"].id, started_at=later,
                queue_entered_at=later))  # fmt: skip
    db.commit()
    real, failures = queueing.take_from_queue, iter([True])

    def deadlocked(*args, **kwargs):
        if next(failures, False):
            raise OperationalError("UPDATE calls", {}, DeadlockDetected())
        return real(*args, **kwargs)

    monkeypatch.setattr(queueing, "take_from_queue", deadlocked)
    clock.now += timedelta(seconds=20)
    action = next(ElementTree.fromstring(ring).iter("Dial")).get("action").split("#")[0]
    answer = post_signed(app, client, action, CallSid="CAcaller", DialCallStatus="no-answer")
    # The first counselor's freeing is offered to the waiter: that fails, and is left for
    # the next dispatch; the caller's own answer, committed before it, stands as it was.
    assert second.phone in answer
    db.expire_all()
    assert db.get(Counselor, third.id).reserved_call_sid is None
