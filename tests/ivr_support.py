"""Helpers for the IVR tests: the app's frozen clock, counselors on shift, and the call walker."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from callcenter.models import Counselor, Field, WeeklyShift
from ivr.walker import CallWalker, FlaskTransport, Script, Transcript, outbox_redirects

SEOUL = ZoneInfo("Asia/Seoul")
# A Tuesday afternoon in term time: not a holiday.
TUESDAY_AFTERNOON = datetime(2027, 3, 2, 14, 30, tzinfo=SEOUL)


class Clock:
    """A frozen "now" for the whole app; tests move it by assigning `now`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def today(self) -> date:
        """Return the local date in Seoul."""
        return self.now.astimezone(SEOUL).date()


@pytest.fixture
def clock(app):
    """Freeze the app's clock (`callcenter.clock`) at a Tuesday afternoon of term time."""
    frozen = Clock(TUESDAY_AFTERNOON)
    app.config["CLOCK"] = lambda: frozen.now
    yield frozen
    app.config.pop("CLOCK", None)


@pytest.fixture
def settings(app):
    """Change IVR settings for one test and put them back after."""
    saved: dict[str, object] = {}

    def change(**values: object) -> None:
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield change
    app.config.update(saved)


@pytest.fixture
def on_shift(db):
    """Return a factory of counselors on a weekly shift (Tuesday 14:00-17:00 by default)."""
    made = iter(range(1, 1000))

    def make(
        code: str = "legal",
        name: str | None = None,
        weekday: int = 1,
        start: time = time(14, 0),
        end: time = time(17, 0),
        **columns: object,
    ) -> Counselor:
        n = next(made)
        field = db.scalar(select(Field).where(Field.code == code))
        counselor = Counselor(
            name=name or f"상담위원{n}", phone=f"+82109000{n:04d}", fields=[field], **columns
        )
        db.add(counselor)
        db.flush()
        db.add(
            WeeklyShift(
                counselor_id=counselor.id,
                field_id=field.id,
                weekday=weekday,
                start_time=start,
                end_time=end,
            )
        )
        db.commit()
        return counselor

    return make


@pytest.fixture
def walker(app, client):
    """Return a call walker over the test client, acting on sandbox redirects."""
    return CallWalker(
        FlaskTransport(client),
        app.config["TWILIO_AUTH_TOKEN"],
        line_number=app.config["TWILIO_PHONE_NUMBER"],
        redirects=outbox_redirects(app),
    )


def play(walker: CallWalker, *keys: str, **options: object):
    """Play a call with these menu answers and script options."""
    return walker.call(Script(keys=list(keys), **options))  # type: ignore[arg-type]


@pytest.fixture
def call_back(app, client):
    """Return a player of the call the line places to a counselor to call a citizen back.

    The back office starts that call with the bridge's URL and no status callback, so the
    walker starts there and sends none.
    """

    def play_bridge(callback_id: int, *keys: str, **options: object) -> Transcript:
        bridge = CallWalker(
            FlaskTransport(client),
            app.config["TWILIO_AUTH_TOKEN"],
            line_number=app.config["TWILIO_PHONE_NUMBER"],
            voice_path=f"/ivr/callback-bridge/{callback_id}/answer",
            status_path=None,
            redirects=outbox_redirects(app),
        )
        script = Script(caller=app.config["TWILIO_PHONE_NUMBER"], keys=list(keys), **options)  # type: ignore[arg-type]
        return bridge.call(script)

    return play_bridge
