"""Who may see and reveal personal data, and how it is shown when they may not."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from callcenter.models import CallbackRequest, Consultation, User, Voicemail
from callcenter.phones import mask


def own_counselor_id(user: User) -> int | None:
    """Return the counselor profile the account acts for, if any."""
    return user.counselor_id


def may_view_consultation(user: User, consultation: Consultation) -> bool:
    """Coordinators see all consultations; a counselor only their own."""
    if user.is_coordinator:
        return True
    return user.counselor_id is not None and consultation.counselor_id == user.counselor_id


def may_edit_consultation(user: User, consultation: Consultation) -> bool:
    """The same people who may see a consultation may correct it."""
    return may_view_consultation(user, consultation)


def may_reveal_consultation(user: User, consultation: Consultation) -> bool:
    """Full numbers and names go to the assigned counselor and coordinators only."""
    if user.is_coordinator:
        return True
    return user.counselor_id is not None and consultation.counselor_id == user.counselor_id


def may_handle_callback(user: User, callback: CallbackRequest) -> bool:
    """A counselor handles callbacks of their fields that are free or claimed by them."""
    if user.is_coordinator:
        return True
    if user.counselor is None:
        return False
    if callback.claimed_by_id is not None:
        return callback.claimed_by_id == user.counselor_id
    return callback.field_id in {f.id for f in user.counselor.fields}


def may_handle_voicemail(user: User, voicemail: Voicemail) -> bool:
    """Coordinators handle every voice message; a counselor those assigned to them."""
    if user.is_coordinator:
        return True
    return user.counselor_id is not None and voicemail.assigned_to_id == user.counselor_id


def consultation_scope(user: User) -> ColumnElement[bool]:
    """Return the WHERE clause limiting consultations to what the user may see."""
    if user.is_coordinator:
        return true()
    if user.counselor_id is None:
        return false()
    return Consultation.counselor_id == user.counselor_id


def mask_name(name: str | None) -> str:
    """Hide all but the first letter of a name: 김**."""
    if not name:
        return "—"
    name = name.strip()
    return name[0] + "*" * max(len(name) - 1, 1)


def masked_phone(e164: str | None, last4: str | None = None) -> str:
    """Mask a number; with only its last four digits known, show those."""
    if e164:
        return mask(e164)
    return f"***-****-{last4}" if last4 else "—"
