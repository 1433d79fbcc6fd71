"""Daily rollups of the report figures, so a year's report reads a few thousand rows.

Each table holds one local day's sums in the shape the report groups them; the report reads
rolled-up days from here and the days after `ReportRollupState.rolled_until` from the raw
tables, and adds them up. `flask reports rollup` keeps them current.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, UTCDateTime
from callcenter.models.consultations import Consultation

# The rollup finds consultations changed since its last run by this column.
Index("ix_consultations_updated_at", Consultation.updated_at)


class ReportCallDay(Base):
    """Offered calls of one local day, hour and field, with their outcome counts and sums."""

    __tablename__ = "report_call_days"
    __table_args__ = (Index("ix_report_call_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    hour: Mapped[int] = mapped_column(SmallInteger)
    field_id: Mapped[int | None] = mapped_column(Integer)  # no FK: figures outlive fields
    offered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    abandoned_menu: Mapped[int] = mapped_column(Integer, default=0)
    abandoned_queue: Mapped[int] = mapped_column(Integer, default=0)
    abandoned_ringing: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    answered_in_target: Mapped[int] = mapped_column(Integer, default=0)
    wait_seconds_total: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_responses: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_total: Mapped[int] = mapped_column(Integer, default=0)
    score_1: Mapped[int] = mapped_column(Integer, default=0)
    score_2: Mapped[int] = mapped_column(Integer, default=0)
    score_3: Mapped[int] = mapped_column(Integer, default=0)
    score_4: Mapped[int] = mapped_column(Integer, default=0)
    score_5: Mapped[int] = mapped_column(Integer, default=0)


class ReportWaitDay(Base):
    """How many answered calls of one local day waited exactly so many seconds."""

    __tablename__ = "report_wait_days"
    __table_args__ = (Index("ix_report_wait_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    wait_seconds: Mapped[int] = mapped_column(Integer)
    calls: Mapped[int] = mapped_column(Integer)


class ReportConsultationDay(Base):
    """Consultations of one local day by field, channel and outcome (drafts apart)."""

    __tablename__ = "report_consultation_days"
    __table_args__ = (Index("ix_report_consultation_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    field_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str | None] = mapped_column(String(16))
    consultations: Mapped[int] = mapped_column(Integer, default=0)
    drafts: Mapped[int] = mapped_column(Integer, default=0)


class ReportCounselorDay(Base):
    """One counselor's consultations and answered calls on one local day."""

    __tablename__ = "report_counselor_days"
    __table_args__ = (Index("ix_report_counselor_days_day", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    counselor_id: Mapped[int] = mapped_column(Integer)
    consultations: Mapped[int] = mapped_column(Integer, default=0)
    consultation_minutes: Mapped[int] = mapped_column(Integer, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    call_seconds: Mapped[int] = mapped_column(Integer, default=0)


class ReportRollupState(Base):
    """How far the rollup reaches: every local day before `rolled_until` is in it."""

    __tablename__ = "report_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    rolled_until: Mapped[date | None] = mapped_column(Date)
    time_zone: Mapped[str] = mapped_column(String(64))
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
