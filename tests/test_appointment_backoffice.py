"""Bookings in the back office: the day's list, consultations, no-shows, moves, figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from callcenter.models import (
    Appointment,
    Consultation,
    OutboxMessage,
    Unavailability,
)
from tests import backoffice_data as data
from tests.appointment_support import OTHER_MOBILE, at, book, slot_at
from tests.ivr_support import SEOUL

TUESDAY = date(2027, 3, 9)


def test_a_counselor_sees_their_days_appointments_only(
    client, db, clock, legal_slots, login, fields
):
    book(db, clock, slot_at(db, at(TUESDAY, 14)))
    other = data.counselor(db, "이세무", "+821077778888", fields["legal"])
    db.commit()
    login("counselor", counselor=legal_slots)
    page = client.get("/bookings?day=2027-03-09").get_data(as_text=True)
    assert "14:00" in page and "홍**" in page and "010-****-6789" in page
    assert "전세 보증금 반환" in page and "홍길동" not in page
    client.post("/auth/logout")
    login("counselor", counselor=other)
    assert "홍**" not in client.get("/bookings?day=2027-03-09").get_data(as_text=True)


def test_looking_at_a_days_bookings_is_recorded(client, db, clock, legal_slots, login):
    from callcenter.models import AuditEvent

    booked = book(db, clock, slot_at(db, at(TUESDAY, 14)))
    db.commit()
    login("coordinator")
    client.get("/bookings?day=2027-03-09")
    event = db.scalar(select(AuditEvent).where(AuditEvent.object_type == "appointments"))
    assert event.action == "view" and event.detail["ids"] == [booked.id]


def test_a_counselor_cannot_open_another_counselors_appointment(
    client, db, clock, legal_slots, login, fields
):
    booked = book(db, clock, slot_at(db, at(TUESDAY, 14)))
    other = data.counselor(db, "이세무", "+821077778888", fields["legal"])
    db.commit()
    login("counselor", counselor=other)
    assert client.post(f"/bookings/{booked.id}/consultation").status_code == 403


def test_opening_the_record_starts_a_visit_appointment_consultation(
    client, db, clock, legal_slots, login
):
    booked = book(db, clock, slot_at(db, at(TUESDAY, 14)))
    db.commit()
    login("counselor", counselor=legal_slots)
    response = client.post(f"/bookings/{booked.id}/consultation")
    consultation = db.scalar(select(Consultation))
    assert response.headers["Location"].endswith(f"/consultations/{consultation.id}/edit")
    assert (consultation.channel, consultation.counselor_id) == ("appt_visit", legal_slots.id)
    assert consultation.citizen_phone == "+821023456789" and consultation.citizen_name == "홍길동"
    assert consultation.started_at == at(TUESDAY, 14)
    db.expire_all()
    assert db.get(Appointment, booked.id).status == "attended"
    client.post(f"/bookings/{booked.id}/consultation")
    assert len(db.scalars(select(Consultation)).all()) == 1  # the same record opens again


def test_a_phone_slot_becomes_a_phone_appointment_consultation(
    client, db, clock, legal_slots, login
):
    slot = slot_at(db, at(TUESDAY, 14))
    slot.kind = "phone"
    booked = book(db, clock, slot)
    db.commit()
    login("coordinator")
    client.post(f"/bookings/{booked.id}/consultation")
    assert db.scalar(select(Consultation.channel)) == "appt_phone"


def test_a_coordinator_marks_a_no_show(client, db, clock, legal_slots, login):
    booked = book(db, clock, slot_at(db, at(date(2027, 3, 2), 16)))
    db.commit()
    clock.now = at(date(2027, 3, 2), 16, 20)
    login("coordinator")
    client.post(f"/bookings/{booked.id}/no-show")
    db.expire_all()
    assert db.get(Appointment, booked.id).status == "no_show"


def test_a_counselor_may_not_mark_no_shows(client, db, clock, legal_slots, login):
    booked = book(db, clock, slot_at(db, at(TUESDAY, 14)))
    db.commit()
    login("counselor", counselor=legal_slots)
    assert client.post(f"/bookings/{booked.id}/no-show").status_code == 403


def test_a_counselors_absence_over_a_booking_is_flagged(client, db, clock, legal_slots, login):
    booked = book(db, clock, slot_at(db, at(TUESDAY, 14)))
    db.add(
        Unavailability(
            counselor_id=legal_slots.id, starts_at=at(TUESDAY, 13), ends_at=at(TUESDAY, 18)
        )
    )
    db.commit()
    login("coordinator")
    page = client.get("/bookings").get_data(as_text=True)
    assert "조치가 필요한 예약 1건" in page and f'id="at-risk-{booked.id}"' in page


def test_moving_a_flagged_booking_texts_the_citizen(client, db, clock, legal_slots, login):
    booked = book(db, clock, slot_at(db, at(TUESDAY, 14)))
    db.add(
        Unavailability(
            counselor_id=legal_slots.id, starts_at=at(TUESDAY, 13), ends_at=at(TUESDAY, 18)
        )
    )
    db.commit()
    target = slot_at(db, at(date(2027, 3, 16), 15))
    login("coordinator")
    client.post(f"/bookings/{booked.id}/move", data={"slot": str(target.id)})
    db.expire_all()
    assert db.get(Appointment, booked.id).holding_slot_id == target.id
    body = db.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id)).all()[-1]
    assert "상담위원 사정으로" in body and "3월 16일(화) 15:00" in body
    assert "조치가 필요한 예약" not in client.get("/bookings").get_data(as_text=True)


def test_a_coordinator_publishes_slots_with_the_fields_plan(
    client, db, clock, on_shift, login, fields
):
    on_shift(
        "tax",
        weekday=2,
        start=at(TUESDAY, 10).timetz().replace(tzinfo=None),
        end=at(TUESDAY, 12).timetz().replace(tzinfo=None),
    )
    login("coordinator")
    client.post(
        "/bookings/slots",
        data={
            "field": str(fields["tax"].id),
            "slot_minutes": "60",
            "kind": "phone",
            "place": "",
            "from": "2027-03-03",
            "until": "2027-03-10",
        },
    )
    from callcenter.models import AppointmentSlot

    found = db.scalars(select(AppointmentSlot).order_by(AppointmentSlot.starts_at)).all()
    assert [(s.starts_at, s.kind) for s in found] == [
        (at(date(2027, 3, 3), 10), "phone"),
        (at(date(2027, 3, 3), 11), "phone"),
        (at(date(2027, 3, 10), 10), "phone"),
        (at(date(2027, 3, 10), 11), "phone"),
    ]


def test_the_report_counts_bookings_attendance_and_no_shows_per_field(
    client, db, clock, legal_slots, login
):
    attended = book(db, clock, slot_at(db, at(date(2027, 3, 2), 16)))
    missed = book(db, clock, slot_at(db, at(date(2027, 3, 2), 16, 30)), phone=OTHER_MOBILE)
    attended.status, missed.status = "attended", "no_show"
    book(db, clock, slot_at(db, at(TUESDAY, 14)), phone="010-5555-6666")
    db.commit()
    login("coordinator")
    page = client.get("/bookings/report?from=2027-03-01&until=2027-03-31").get_data(as_text=True)
    row = page.split("법률", 1)[1].split("</tr>", 1)[0]
    assert [cell.split("<", 1)[0] for cell in row.split("<td>")[1:]] == ["3", "1", "1", "0", "1"]


def test_appointment_consultations_count_in_the_consultation_report(
    app, client, db, clock, legal_slots, login
):
    from callcenter.reporting import Period, build_report
    from callcenter.reporting.tables import consultations_table

    booked = book(db, clock, slot_at(db, at(TUESDAY, 14)))
    db.commit()
    login("counselor", counselor=legal_slots)
    client.post(f"/bookings/{booked.id}/consultation")
    consultation = db.scalar(select(Consultation))
    consultation.status = "completed"
    db.commit()
    report = build_report(db, Period.month(2027, 3), SEOUL)
    assert dict(report.consultations.total) == {"appt_visit": 1}
    with app.test_request_context():
        assert "방문 예약" in consultations_table(report).columns
