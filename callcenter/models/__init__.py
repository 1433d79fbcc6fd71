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
from callcenter.models.public import PublicAttempt
from callcenter.models.reporting import (
    ReportCallDay,
    ReportConsultationDay,
    ReportCounselorDay,
    ReportRollupState,
    ReportWaitDay,
)
from callcenter.models.roster import (
    DayOverride,
    DayOverrideKind,
    OneOffShift,
    Unavailability,
    WeeklyShift,
    WeeklyShiftSkip,
)
from callcenter.models.rostering import (
    CalendarFeed,
    JobRun,
    JobState,
    SchedulerLease,
    ShiftNotice,
    ShiftSwap,
    SwapStatus,
    apscheduler_jobs,
)

__all__ = [
    "AuditEvent",
    "Base",
    "BlockedNumber",
    "CalendarFeed",
    "Call",
    "CallLeg",
    "CallOutcome",
    "CallbackRequest",
    "CallbackStatus",
    "Channel",
    "Consultation",
    "ConsultationOutcome",
    "Counselor",
    "DayOverride",
    "DayOverrideKind",
    "EncryptedText",
    "Field",
    "JobRun",
    "JobState",
    "LegResult",
    "LoginAttempt",
    "OneOffShift",
    "OutboxMessage",
    "PromptOverride",
    "PublicAttempt",
    "ReportCallDay",
    "ReportConsultationDay",
    "ReportCounselorDay",
    "ReportRollupState",
    "ReportWaitDay",
    "Role",
    "SchedulerLease",
    "ShiftNotice",
    "ShiftSwap",
    "SwapStatus",
    "TopicCategory",
    "UTCDateTime",
    "Unavailability",
    "User",
    "Voicemail",
    "WeeklyShift",
    "WeeklyShiftSkip",
    "apscheduler_jobs",
    "counselor_fields",
    "utcnow",
]
