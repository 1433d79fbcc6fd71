"""The consultation log: filtering, recording, completing and correcting consultations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session, defer, joinedload
from sqlalchemy.sql import Select

from callcenter import clock, search_index
from callcenter.crypto import keyring
from callcenter.models import (
    Channel,
    Consultation,
    ConsultationOutcome,
    ConsultationStatus,
    Counselor,
    Referral,
    TopicCategory,
    User,
)
from callcenter.phones import InvalidPhoneNumber, last4, to_e164
from callcenter.privacy import consultation_scope

PAGE_SIZE = 50
SORTS = {
    "newest": (Consultation.started_at.desc(), Consultation.id.desc()),
    "oldest": (Consultation.started_at.asc(), Consultation.id.asc()),
    "field": (Consultation.field_id.asc(), Consultation.started_at.desc(), Consultation.id.desc()),
    "counselor": (
        Consultation.counselor_id.asc(),
        Consultation.started_at.desc(),
        Consultation.id.desc(),
    ),
}


class VersionConflict(Exception):
    """Someone saved the consultation after the form was opened."""

    def __init__(self, current: Consultation) -> None:
        super().__init__(f"consultation {current.id} changed to version {current.version}")
        self.current = current


class ConsultationError(ValueError):
    """A user-facing reason a consultation cannot be saved as given."""


@dataclass(frozen=True)
class ConsultationFilter:
    """What a list of consultations is narrowed to."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive, local date
    field_id: int | None = None
    channel: str | None = None
    counselor_id: int | None = None
    outcome: str | None = None
    category_id: int | None = None
    status: str | None = None
    text: str | None = None
    sort: str = "newest"

    def audited(self) -> dict[str, Any]:
        """Return the filter as the audit log keeps it: whether words were searched, not which."""
        values = self.as_args()
        if values.pop("q", None):
            values["searched"] = True
        return values

    def as_args(self) -> dict[str, Any]:
        """Return the filter as query-string arguments."""
        values = {
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "field": self.field_id,
            "channel": self.channel,
            "counselor": self.counselor_id,
            "outcome": self.outcome,
            "category": self.category_id,
            "status": self.status,
            "q": self.text,
            "sort": self.sort if self.sort != "newest" else None,
        }
        return {k: v for k, v in values.items() if v not in (None, "")}


def _day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def filtered(
    session: Session, user: User, criteria: ConsultationFilter, tz: ZoneInfo
) -> Select[Consultation]:
    """Select the consultations the user may see that match the filter, sorted."""
    statement = select(Consultation).where(consultation_scope(user))
    if criteria.date_from:
        statement = statement.where(Consultation.started_at >= _day_start(criteria.date_from, tz))
    if criteria.date_to:
        end = _day_start(criteria.date_to + timedelta(days=1), tz)
        statement = statement.where(Consultation.started_at < end)
    for column, value in (
        (Consultation.field_id, criteria.field_id),
        (Consultation.channel, criteria.channel),
        (Consultation.counselor_id, criteria.counselor_id),
        (Consultation.outcome, criteria.outcome),
        (Consultation.status, criteria.status),
    ):
        if value not in (None, ""):
            statement = statement.where(column == value)
    if criteria.category_id:
        statement = statement.where(
            or_(
                Consultation.category_id == criteria.category_id,
                Consultation.subcategory_id == criteria.category_id,
            )
        )
    if criteria.text:
        found = search_index.match(session, criteria.text)
        if found is not None:
            statement = statement.where(found.clause(Consultation.id))
    return statement.order_by(*SORTS.get(criteria.sort, SORTS["newest"]))


@dataclass
class Page:
    """One page of a list, without a total count (counting ten years is not free)."""

    items: list[Any]
    number: int
    has_next: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def paginate(session: Session, statement: Select, number: int, size: int = PAGE_SIZE) -> Page:
    """Fetch one page plus one row, to know whether another page follows."""
    number = max(number, 1)
    rows = list(session.scalars(statement.limit(size + 1).offset((number - 1) * size)).unique())
    return Page(rows[:size], number, len(rows) > size)


def list_page(
    session: Session, user: User, criteria: ConsultationFilter, tz: ZoneInfo, number: int = 1
) -> Page:
    """Return one page of the list, loading only what a list row shows."""
    if session.get_bind().dialect.name == "postgresql":
        # A page needs a few index look-ups: starting parallel workers costs more than that.
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    statement = filtered(session, user, criteria, tz).options(
        defer(Consultation.summary),
        defer(Consultation.citizen_name),
        joinedload(Consultation.field),
        joinedload(Consultation.counselor),
        joinedload(Consultation.category),
        joinedload(Consultation.subcategory),
    )
    return paginate(session, statement, number)


def drafts_of(counselor_id: int) -> Select[Consultation]:
    """Select a counselor's drafts waiting to be completed, oldest first."""
    return (
        select(Consultation)
        .where(
            Consultation.counselor_id == counselor_id,
            Consultation.status == ConsultationStatus.DRAFT,
        )
        .order_by(Consultation.started_at.asc())
    )


def topic_choices(session: Session, field_id: int | None) -> list[TopicCategory]:
    """Return a field's active categories, each followed by its subcategories."""
    if field_id is None:
        return []
    rows = session.scalars(
        select(TopicCategory)
        .where(TopicCategory.field_id == field_id, TopicCategory.active.is_(True))
        .order_by(TopicCategory.position, TopicCategory.name_ko)
    ).all()
    parents = [r for r in rows if r.parent_id is None]
    ordered: list[TopicCategory] = []
    for parent in parents:
        ordered.append(parent)
        ordered.extend(r for r in rows if r.parent_id == parent.id)
    return ordered


@dataclass
class ConsultationInput:
    """What a counselor writes down about a consultation."""

    topic_id: int | None
    outcome: str
    summary: str
    duration_minutes: int | None = None
    referred_to: str | None = None
    follow_up_on: date | None = None
    citizen_name: str | None = None
    citizen_phone: str | None = None
    channel: str | None = None
    field_id: int | None = None
    counselor_id: int | None = None
    started_at: datetime | None = None


def _apply_topic(session: Session, consultation: Consultation, topic_id: int | None) -> None:
    """Set category and subcategory from one chosen topic of the consultation's field."""
    if topic_id is None:
        consultation.category_id = consultation.subcategory_id = None
        return
    topic = session.get(TopicCategory, topic_id)
    if topic is None or topic.field_id != consultation.field_id:
        raise ConsultationError("선택한 주제가 이 분야에 없습니다.")
    if topic.parent_id is None:
        consultation.category_id, consultation.subcategory_id = topic.id, None
    else:
        consultation.category_id, consultation.subcategory_id = topic.parent_id, topic.id


def _apply(session: Session, consultation: Consultation, data: ConsultationInput) -> None:
    """Copy the input onto the consultation, checking the rules between fields."""
    if data.outcome not in {o.value for o in ConsultationOutcome}:
        raise ConsultationError("상담 결과를 골라 주십시오.")
    referral_known = data.referred_to in {r.value for r in Referral}
    if data.outcome == ConsultationOutcome.REFERRED and not referral_known:
        raise ConsultationError("어디로 안내했는지 골라 주십시오.")
    if data.outcome == ConsultationOutcome.FOLLOW_UP and data.follow_up_on is None:
        raise ConsultationError("후속 조치 날짜를 적어 주십시오.")
    if data.channel is not None:
        consultation.channel = data.channel
    if data.field_id is not None:
        consultation.field_id = data.field_id
    if data.counselor_id is not None:
        consultation.counselor_id = data.counselor_id
    if data.started_at is not None:
        consultation.started_at = data.started_at
    _apply_topic(session, consultation, data.topic_id)
    consultation.outcome = data.outcome
    consultation.referred_to = (
        data.referred_to if data.outcome == ConsultationOutcome.REFERRED else None
    )
    consultation.follow_up_on = (
        data.follow_up_on if data.outcome == ConsultationOutcome.FOLLOW_UP else None
    )
    consultation.summary = data.summary.strip()
    consultation.duration_minutes = data.duration_minutes
    # Blank personal fields keep what is stored: edit forms do not show them unmasked.
    if data.citizen_name and data.citizen_name.strip():
        consultation.citizen_name = data.citizen_name.strip()
    if (data.citizen_phone or "").strip():
        set_citizen_phone(consultation, data.citizen_phone)


def set_citizen_phone(consultation: Consultation, text: str | None) -> None:
    """Store a citizen's number encrypted, with its digest and last four digits."""
    if not (text or "").strip():
        consultation.citizen_phone = None
        consultation.citizen_phone_digest = consultation.citizen_phone_last4 = None
        return
    try:
        e164 = to_e164(text or "")
    except InvalidPhoneNumber:
        raise ConsultationError("전화번호 형식이 맞지 않습니다. 예: 010-1234-5678") from None
    consultation.citizen_phone = e164
    consultation.citizen_phone_digest = keyring.digest(e164)
    consultation.citizen_phone_last4 = last4(e164)


def save(
    session: Session,
    consultation: Consultation,
    data: ConsultationInput,
    expected_version: int | None,
    now: datetime | None = None,
) -> Consultation:
    """Save a completed consultation unless someone changed it first. Does not commit.

    Raises VersionConflict when the stored version is not the one the form was opened on.
    """
    if expected_version is not None and consultation.version != expected_version:
        raise VersionConflict(consultation)
    _apply(session, consultation, data)
    if consultation.citizen_phone and not consultation.citizen_phone_digest:
        # Drafts opened by the voice line carry the number but not yet its digest.
        consultation.citizen_phone_digest = keyring.digest(consultation.citizen_phone)
    if consultation.status != ConsultationStatus.COMPLETED:
        consultation.status = ConsultationStatus.COMPLETED
        consultation.completed_at = now or clock.now()
    session.flush()
    search_index.reindex(session, consultation.id, consultation.summary)
    return consultation


def record_new(
    session: Session,
    recorded_by: User,
    data: ConsultationInput,
    now: datetime | None = None,
    **links: Any,
) -> Consultation:
    """Record a consultation (a walk-in, or one opened from a callback). Does not commit."""
    if data.channel not in {c.value for c in Channel}:
        raise ConsultationError("상담 경로를 골라 주십시오.")
    if data.field_id is None:
        raise ConsultationError("분야를 골라 주십시오.")
    if data.counselor_id is None:
        raise ConsultationError("상담위원을 골라 주십시오.")
    consultation = Consultation(
        status=ConsultationStatus.DRAFT,
        recorded_by_id=recorded_by.id,
        started_at=data.started_at or now or clock.now(),
        **links,
    )
    session.add(consultation)
    return save(session, consultation, data, None, now)


def counselors_for(session: Session, field_id: int | None = None) -> list[Any]:
    """Return (id, name) rows of the active counselors, optionally of one field only."""
    statement = (
        select(Counselor.id, Counselor.name)
        .where(Counselor.active.is_(True))
        .order_by(Counselor.name, Counselor.id)
    )
    if field_id is not None:
        statement = statement.where(Counselor.fields.any(id=field_id))
    return list(session.execute(statement))
