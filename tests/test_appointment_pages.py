"""The public booking page and the day-before reminder, through HTTP as a citizen uses them."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from callcenter.models import Appointment, OutboxMessage
from schedules.appointment_jobs import send_appointment_reminders
from tests.appointment_support import MOBILE, OTHER_MOBILE, at, slot_at

TUESDAY = date(2027, 3, 9)


def post_booking(client, slot, phone=MOBILE, address="192.0.2.1", **values):  # type: ignore[no-untyped-def]
    data = {
        "field": "legal",
        "slot": str(slot.id),
        "name": "홍길동",
        "phone": phone,
        "description": "전세 보증금 반환",
        "consent": "y",
        **values,
    }
    return client.post("/appointments", data=data, environ_base={"REMOTE_ADDR": address})


def number_of(response) -> str:  # type: ignore[no-untyped-def]
    return re.search(r'id="booking-number">(R\d{7})<', response.get_data(as_text=True)).group(1)


def test_the_booking_page_lists_a_fields_free_slots_by_day(client, legal_slots):
    page = client.get("/appointments?field=legal").get_data(as_text=True)
    assert "3월 9일 (화)" in page and "14:00" in page and "시청 2층 상담실" in page
    assert 'name="consent"' in page


def test_booking_shows_the_number_and_texts_it(client, db, legal_slots):
    response = post_booking(client, slot_at(db, at(TUESDAY, 14)))
    assert response.status_code == 201
    number = number_of(response)
    assert "010-****-6789" in response.get_data(as_text=True)
    sms = db.scalar(select(OutboxMessage))
    assert sms.to == "+821023456789" and number in sms.body


def test_a_booked_slot_is_no_longer_offered(client, db, legal_slots):
    slot = slot_at(db, at(TUESDAY, 14))
    post_booking(client, slot)
    page = client.get("/appointments?field=legal").get_data(as_text=True)
    assert f'value="{slot.id}"' not in page


def test_the_second_citizen_for_a_slot_is_told_to_pick_another(client, db, legal_slots):
    slot = slot_at(db, at(TUESDAY, 14))
    post_booking(client, slot)
    response = post_booking(client, slot, phone=OTHER_MOBILE, address="192.0.2.2")
    assert response.status_code == 409
    assert "방금 다른 분이 이 시간을 예약했습니다" in response.get_data(as_text=True)


def test_a_refused_booking_keeps_what_the_citizen_typed(client, db, legal_slots):
    response = post_booking(client, slot_at(db, at(TUESDAY, 14)), consent="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "동의해야" in page and "전세 보증금 반환" in page
    assert db.scalar(select(func.count()).select_from(Appointment)) == 0


def test_the_booking_form_needs_its_csrf_token(app, client, db, legal_slots):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = post_booking(client, slot_at(db, at(TUESDAY, 14)))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert db.scalar(select(func.count()).select_from(Appointment)) == 0


def test_a_citizen_cancels_with_number_and_phone(client, db, legal_slots):
    number = number_of(post_booking(client, slot_at(db, at(TUESDAY, 14))))
    found = client.post("/appointments/manage", data={"number": number, "phone": MOBILE})
    assert "3월 9일 (화) 14:00" in found.get_data(as_text=True)
    done = client.post(
        "/appointments/manage", data={"number": number, "phone": MOBILE, "action": "cancel"}
    )
    assert "예약을 취소했습니다" in done.get_data(as_text=True)
    assert db.scalar(select(Appointment.status)) == "cancelled"
    assert (
        "취소되었습니다"
        in db.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id)).all()[-1]
    )


def test_a_wrong_phone_reveals_nothing_about_the_booking(client, db, legal_slots):
    number = number_of(post_booking(client, slot_at(db, at(TUESDAY, 14))))
    response = client.post("/appointments/manage", data={"number": number, "phone": OTHER_MOBILE})
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "14:00" not in page and "홍길동" not in page


def test_a_citizen_moves_a_booking_from_the_page(client, db, legal_slots):
    number = number_of(post_booking(client, slot_at(db, at(TUESDAY, 14))))
    target = slot_at(db, at(date(2027, 3, 16), 16))
    moved = client.post(
        "/appointments/manage",
        data={"number": number, "phone": MOBILE, "action": "move", "slot": str(target.id)},
    )
    assert "3월 16일 (화) 16:00" in moved.get_data(as_text=True)
    assert db.scalar(select(Appointment.holding_slot_id)) == target.id


def test_the_reminder_goes_the_day_before_once(client, db, clock, legal_slots):
    post_booking(client, slot_at(db, at(TUESDAY, 14)))
    clock.now = at(date(2027, 3, 8), 9, 50)
    assert send_appointment_reminders(db, clock.now) == {"sent": 0}  # before 10:00
    clock.now = at(date(2027, 3, 8), 10, 0)
    assert send_appointment_reminders(db, clock.now) == {"sent": 1}
    assert send_appointment_reminders(db, clock.now) == {"sent": 0}
    body = db.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id)).all()[-1]
    assert body.startswith("[시민 전문상담] 내일 3월 9일(화) 14:00")


def test_a_cancelled_booking_gets_no_reminder(client, db, clock, legal_slots):
    number = number_of(post_booking(client, slot_at(db, at(TUESDAY, 14))))
    client.post(
        "/appointments/manage", data={"number": number, "phone": MOBILE, "action": "cancel"}
    )
    clock.now = at(date(2027, 3, 8), 12)
    assert send_appointment_reminders(db, clock.now) == {"sent": 0}


def test_an_english_booking_gets_english_texts(client, db, legal_slots):
    client.get("/appointments?lang=en")
    post_booking(client, slot_at(db, at(TUESDAY, 14)))
    assert db.scalar(select(OutboxMessage.body)).startswith("[City advice line] Legal")


def test_the_status_page_shows_each_fields_next_free_slot(client, db, legal_slots, settings):
    settings(STATUS_CACHE_SECONDS=0)
    post_booking(client, slot_at(db, at(date(2027, 3, 2), 16)))
    page = client.get("/status").get_data(as_text=True)
    legal_card = page.split('data-field="legal"', 1)[1].split("</li>", 1)[0]
    assert "예약 가능한 가장 빠른 시간" in legal_card and "03/02 (화) 16:30" in legal_card
    tax_card = page.split('data-field="tax"', 1)[1].split("</li>", 1)[0]
    assert "지금 예약할 수 있는 시간이 없습니다" in tax_card


def test_the_status_json_names_the_next_free_slot(client, db, legal_slots, settings):
    settings(STATUS_CACHE_SECONDS=0)
    body = client.get("/api/status").get_json()
    assert body["next_appointment"] == {"legal": "2027-03-02T07:00:00+00:00"}


def test_a_long_list_of_slots_continues_on_a_later_page(client, db, legal_slots, monkeypatch):
    from callcenter.public import appointment_views

    monkeypatch.setattr(appointment_views, "PAGE_SLOTS", 2)
    first = client.get("/appointments?field=legal").get_data(as_text=True)
    assert "3월 2일 (화)" in first and "3월 9일 (화)" not in first
    later = client.get("/appointments?field=legal&from=2027-03-03").get_data(as_text=True)
    assert "3월 9일 (화)" in later and "3월 2일 (화)" not in later
    assert 'id="later-slots"' in first
