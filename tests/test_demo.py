"""The demo office: a roster, topics, six months of history, loaded once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from callcenter.demo import load_demo
from callcenter.models import Call, Consultation, Counselor, TopicCategory, WeeklyShift
from callcenter.reporting import Period, build_report

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2027, 3, 2, 2, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Seoul


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(model))


@pytest.fixture
def demo(db):
    """Load the whole demo at a fixed instant."""
    load_demo(db, NOW, SEOUL)
    db.commit()
    return db


def test_demo_has_six_months_of_calls_and_consultations(demo, fields):
    first = demo.scalar(select(func.min(Call.started_at)))
    last = demo.scalar(select(func.max(Call.started_at)))
    assert NOW - first >= timedelta(days=180)
    assert last < NOW
    for month in range(9, 13):
        report = build_report(demo, Period.month(2026, month), SEOUL)
        assert report.calls_total.offered > 50
        assert report.calls_total.answered < report.calls_total.offered
    assert count(demo, Consultation) > 1000


def test_demo_gives_every_field_topic_categories(demo, fields):
    for field_ in fields.values():
        topics = demo.scalars(select(TopicCategory).where(TopicCategory.field_id == field_.id))
        assert len(topics.all()) >= 3


def test_demo_history_is_the_same_for_the_same_instant(db):
    load_demo(db, NOW, SEOUL)
    sids = db.scalars(select(Call.call_sid).order_by(Call.call_sid)).all()
    db.rollback()
    load_demo(db, NOW, SEOUL)
    assert db.scalars(select(Call.call_sid).order_by(Call.call_sid)).all() == sids


def test_loading_the_demo_again_keeps_an_edited_shift_single(demo):
    shift = demo.scalars(select(WeeklyShift).order_by(WeeklyShift.id)).first()
    shift.start_time, shift.end_time = time(9, 0), time(11, 0)
    demo.commit()
    before = (count(demo, WeeklyShift), count(demo, Counselor), count(demo, Call))
    load_demo(demo, NOW + timedelta(days=1), SEOUL)
    demo.commit()
    assert (count(demo, WeeklyShift), count(demo, Counselor), count(demo, Call)) == before


def test_loading_the_demo_twice_adds_no_topics(demo):
    before = count(demo, TopicCategory)
    load_demo(demo, NOW, SEOUL)
    assert count(demo, TopicCategory) == before
