"""The consultation forms: the short draft form, corrections, and walk-in recording."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from callcenter import labels
from callcenter.arguments import FIRST_DAY, LAST_DAY
from callcenter.backoffice.helpers import options
from callcenter.consultations import ConsultationInput

# One name for each code on the form, in reports and in exports (callcenter/labels.py).
OUTCOME_LABELS = labels.CONSULTATION_OUTCOME
REFERRAL_LABELS = labels.REFERRAL
CHANNEL_LABELS = labels.CHANNEL


def within_line_dates(form: FlaskForm, field: DateField | DateTimeLocalField) -> None:
    """Refuse a date the line cannot hold (year 1 or 9999 from a mistyped year)."""
    value = field.data
    day = value.date() if isinstance(value, datetime) else value
    if isinstance(day, date) and not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(
            _(
                "날짜는 %(first)s부터 %(last)s까지 입력할 수 있습니다.",
                first=FIRST_DAY.isoformat(),
                last=LAST_DAY.isoformat(),
            )
        )


def _optional_int(value: str | int | None) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class ConsultationForm(FlaskForm):
    """What the counselor writes down: a minute's work on a phone."""

    topic = SelectField(_l("주제"), coerce=_optional_int, validators=[Optional()])
    outcome = RadioField(
        _l("결과"),
        choices=options(OUTCOME_LABELS.items()),
        validators=[InputRequired(message=_l("상담 결과를 골라 주십시오."))],
    )
    referred_to = SelectField(
        _l("안내 기관"),
        choices=options([("", "—"), *REFERRAL_LABELS.items()]),
        validators=[Optional()],
    )
    follow_up_on = DateField(_l("후속 조치일"), validators=[Optional(), within_line_dates])
    summary = TextAreaField(
        _l("상담 요지"),
        validators=[
            DataRequired(message=_l("상담 요지를 적어 주십시오.")),
            Length(max=4000),
        ],
    )
    duration_minutes = IntegerField(
        _l("상담 시간(분)"), validators=[Optional(), NumberRange(min=0, max=600)]
    )
    citizen_name = StringField(_l("시민 이름 (선택)"), validators=[Optional(), Length(max=80)])
    citizen_phone = StringField(_l("시민 전화번호"), validators=[Optional(), Length(max=32)])
    version = HiddenField()

    def to_input(self) -> ConsultationInput:
        """Return the typed input for the service."""
        return ConsultationInput(
            topic_id=self.topic.data,
            outcome=self.outcome.data,
            summary=self.summary.data or "",
            duration_minutes=self.duration_minutes.data,
            referred_to=self.referred_to.data or None,
            follow_up_on=self.follow_up_on.data,
            citizen_name=self.citizen_name.data,
            citizen_phone=self.citizen_phone.data,
        )


class WalkInForm(ConsultationForm):
    """A consultation recorded after the fact: who, when, how, and what."""

    channel = SelectField(_l("경로"), choices=options(CHANNEL_LABELS.items()), default="visit")
    field = SelectField(_l("분야"), coerce=_optional_int, validators=[InputRequired()])
    counselor = SelectField(_l("상담위원"), coerce=_optional_int, validators=[InputRequired()])
    started_at = DateTimeLocalField(
        _l("일시"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(), within_line_dates]
    )
