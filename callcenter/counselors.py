"""Counselors in the directory: create and change them with their fields."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.models import Counselor, Field, Role, User
from callcenter.phones import InvalidPhoneNumber, RefusedNumber, to_counselor_e164


class CounselorError(ValueError):
    """A reason the counselor cannot be saved (a Korean message id)."""


def save_counselor(
    session: Session,
    counselor: Counselor | None,
    *,
    name: str,
    phone: str,
    field_ids: list[int],
    auto_answer: bool,
    active: bool = True,
) -> Counselor:
    """Create a counselor (or change one): phone stored in E.164, unique. Does not commit."""
    name = name.strip()
    if not name:
        raise CounselorError("이름을 입력하세요.")
    try:
        e164 = to_counselor_e164(phone)
    except RefusedNumber as exc:
        raise CounselorError(exc.reason) from None
    except InvalidPhoneNumber:
        raise CounselorError("전화번호가 올바르지 않습니다. 예: 010-1234-5678") from None
    clash = session.scalar(select(Counselor).where(Counselor.phone == e164))
    if clash is not None and clash is not counselor:
        raise CounselorError("이 전화번호를 쓰는 상담위원이 이미 있습니다.")
    fields = (
        list(session.scalars(select(Field).where(Field.id.in_(field_ids)))) if field_ids else []
    )
    if not fields:
        raise CounselorError("담당 분야를 하나 이상 고르세요.")
    if counselor is None:
        counselor = Counselor()
        session.add(counselor)
    counselor.name, counselor.phone = name, e164
    counselor.auto_answer, counselor.active = auto_answer, active
    counselor.fields = sorted(fields, key=lambda f: (f.position, f.id))
    session.flush()
    return counselor


def linkable_accounts(session: Session, counselor: Counselor | None) -> list[User]:
    """Return counselor accounts that are free, or already linked to this counselor."""
    statement = select(User).where(User.role == Role.COUNSELOR).order_by(User.email)
    current = counselor.id if counselor is not None and counselor.id else None
    return [u for u in session.scalars(statement) if u.counselor_id in (None, current)]


def linked_account(session: Session, counselor: Counselor) -> User | None:
    """Return the counselor's sign-in account, if any."""
    return session.scalar(select(User).where(User.counselor_id == counselor.id))
