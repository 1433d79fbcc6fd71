"""The data model. Import models from here."""

from callcenter.models.audit import AuditEvent
from callcenter.models.base import Base, EncryptedText, UTCDateTime, utcnow
from callcenter.models.calls import (
    BlockedNumber,
    Call,
    CallbackRequest,
    CallbackStatus,
    CallLeg,
    CallOutcome,
    LegResult,
    OutboxMessage,
    PromptOverride,
    Voicemail,
)
from callcenter.models.consultations import (
    Channel,
    Consultation,
    ConsultationOutcome,
    ConsultationStatus,
    ConsultationTerm,
    Referral,
    TopicCategory,
)
from callcenter.models.directory import (
    Counselor,
    Field,
    LoginAttempt,
    Role,
    User,
    counselor_fields,
)
from callcenter.models.roster import (
    DayOverride,
    DayOverrideKind,
    OneOffShift,
    Unavailability,
    WeeklyShift,
    WeeklyShiftSkip,
)

__all__ = [
    "AuditEvent",
    "Base",
    "BlockedNumber",
    "Call",
    "CallLeg",
    "CallOutcome",
    "CallbackRequest",
    "CallbackStatus",
    "Channel",
    "Consultation",
    "ConsultationOutcome",
    "ConsultationStatus",
    "ConsultationTerm",
    "Counselor",
    "DayOverride",
    "DayOverrideKind",
    "EncryptedText",
    "Field",
    "LegResult",
    "LoginAttempt",
    "OneOffShift",
    "OutboxMessage",
    "PromptOverride",
    "Referral",
    "Role",
    "TopicCategory",
    "UTCDateTime",
    "Unavailability",
    "User",
    "Voicemail",
    "WeeklyShift",
    "WeeklyShiftSkip",
    "counselor_fields",
    "utcnow",
]
