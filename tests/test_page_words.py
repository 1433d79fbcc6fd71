"""Every Korean page, public and back office, reads in people's words: no codes, no English.

The test fills the line with one of everything (a call through every step, consultations of
each outcome, callbacks, voice messages, sent texts, job runs, audit events, swaps), signs in
as each role and reads every page that role can open.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from html.parser import HTMLParser

import pytest
from flask import Flask
from sqlalchemy import select

from callcenter import audit
from callcenter.demo import load_demo
from callcenter.models import (
    CallLeg,
    Counselor,
    JobRun,
    OutboxMessage,
    ShiftSwap,
    User,
)
from tests import backoffice_data as data

WHEN = data.WHEN  # 2027-03-02 10:30 in Seoul
STEPS = [
    {"step": step, "at": "2027-03-02T01:30:05+00:00", **extra}
    for step, extra in [
        ("greeting", {}),
        ("language", {"language": "ko"}),
        ("menu_retry", {"reason": "no_input", "attempt": 1}),
        ("field", {"field": 1, "arrived": "2027-03-02T01:30:09+00:00"}),
        ("dial", {"position": 0, "counselor": 1}),
        ("queue", {"field": "legal"}),
        ("queue_star", {}),
        ("queue_timeout", {}),
        ("callback", {}),
        ("callback_requested", {"request": 1}),
        ("callback_sms", {}),
        ("voice_message", {}),
        ("connected", {"position": 0, "counselor": 1}),
        ("survey", {"score": 4}),
        ("recording", {"recording": "RE1"}),
    ]
]

# Codes the line stores, and traces of Python and UTC: none of them is for people.
DEVELOPER_CODES = [
    *(s["step"] for s in STEPS),
    "in-progress",
    "no-answer",
    "completed",
    "recorded",
    "pending",
    "claimed",
    "draft",
    "advice",
    "referred",
    "follow_up",
    "legal_aid",
    "abandoned_menu",
    "abandoned_queue",
    "callback_requested",
    "voice_message",
    "no_answer",
    "caller_left",
    "view",
    "reveal",
    "sms",
    "ko",
    "en",
    "shift_reminders",
    "coverage_gaps",
    "rolled_up",
    "busy_flags",
    "Asia/Seoul",
]
TRACES = [
    re.compile(r"\+00:00"),
    re.compile(r"\bUTC\b"),
    re.compile(r"\{'|\{\""),
    re.compile(r"\b\d+s\b"),
    re.compile(r"\d번째"),
    re.compile(r"\bNone\b|\bTrue\b|\bFalse\b"),
]
CODE_PATTERN = re.compile(
    r"(?<![\w/.-])(" + "|".join(map(re.escape, DEVELOPER_CODES)) + r")(?![\w/-])"
)
PLACEHOLDER = re.compile(r"\{\w+\}")
# Four English words in a row is a sentence a Korean page should not hold.
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{2,}(?:[ ,']+[A-Za-z]{2,}){3,}\b")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class VisibleText(HTMLParser):
    """Collect what a reader sees or hears: text, titles, labels and placeholders.

    Left out: scripts and styles; `<code>`, which marks text typed as it stands (a CSV column,
    a command); and parts in another language on purpose (`lang="en"`, the English prompts).
    """

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.open: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        values = dict(attrs)
        skip = tag in ("script", "style", "code") or values.get("lang") not in (None, "ko")
        if tag not in VOID:
            self.open.append((tag, skip))
        if skip or any(hidden for _, hidden in self.open):
            return
        for name in ("title", "aria-label", "placeholder", "alt"):
            if values.get(name):
                self.parts.append(values[name])

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, text):  # type: ignore[no-untyped-def]
        if not any(hidden for _, hidden in self.open):
            self.parts.append(text)


def visible_text(page: str) -> str:
    """Return the page's visible text, one space between pieces."""
    reader = VisibleText()
    reader.feed(page)
    return " ".join(" ".join(reader.parts).split())


def developer_text(text: str) -> list[str]:
    """Return each code, trace or English sentence found in a page's text."""
    text = PLACEHOLDER.sub("", text)  # {field} in a prompt being edited is the prompt's own
    found = [m.group(0) for m in CODE_PATTERN.finditer(text)]
    found += [m.group(0) for pattern in TRACES for m in pattern.finditer(text)]
    found += [m.group(0) for m in ENGLISH_SENTENCE.finditer(text)]
    return found


@pytest.fixture
def busy_line(db, fields, clock):
    """Fill the line with one of everything a page can show."""
    clock.now = datetime(2027, 3, 2, 2, 0, tzinfo=UTC)
    load_demo(db, history=False)
    legal = fields["legal"]
    kim = db.scalars(select(Counselor).where(Counselor.phone == "+821020010001")).one()
    lee = db.scalars(select(Counselor).where(Counselor.phone == "+821020010002")).one()
    STEPS[4]["counselor"] = STEPS[12]["counselor"] = kim.id
    lease = data.topic(db, legal, "임대차")
    call = data.call(
        db,
        legal,
        status="completed",
        outcome="connected",
        steps=STEPS,
        duration_seconds=185,
        queue_entered_at=WHEN,
        queue_left_at=WHEN.replace(second=20),
        connected_counselor_id=kim.id,
        recording_sid="RE" + "2" * 32,
        recording_seconds=90,
    )
    db.add(
        CallLeg(
            call_id=call.id,
            counselor_id=kim.id,
            position=0,
            result="completed",
            started_at=WHEN,
            duration_seconds=180,
        )
    )
    data.call(
        db,
        legal,
        "+821055550000",
        call_sid="CA-left",
        status="completed",
        outcome="abandoned_queue",
    )
    for outcome in ("advice", "referred", "follow_up", "none"):
        data.consultation(
            db,
            legal,
            kim,
            status="completed",
            outcome=outcome,
            category_id=lease.id,
            referred_to="legal_aid" if outcome == "referred" else None,
            call_id=call.id,
        )
    data.consultation(db, legal, kim)  # a draft
    data.callback(db, legal)
    data.callback(db, legal, "+821044440000", status="done", result="no_answer")
    data.voicemail(db, legal)
    db.add(
        OutboxMessage(
            kind="sms",
            to="+821044443333",
            body="접수되었습니다",
            status="recorded",
            created_at=WHEN,
        )
    )
    for job, detail in [
        ("shift_reminders", {"sent": 2}),
        ("coverage_gaps", {"gaps": 3, "new": 1, "sent": 1}),
        ("release_stale", {"busy_flags": 0, "calls": 1}),
        ("report_rollup", {"rolled_up": [["2027-03-01", "2027-03-01"]]}),
    ]:
        db.add(
            JobRun(
                job_id=job,
                started_at=WHEN,
                finished_at=WHEN,
                ok=True,
                runner="web-1",
                detail=detail,
            )
        )
    db.add(
        ShiftSwap(
            field_id=legal.id,
            requester_id=kim.id,
            recipient_id=lee.id,
            offered_date=date(2027, 3, 8),
            offered_start=time(10),
            offered_end=time(12),
        )
    )
    coordinator = db.scalars(select(User).where(User.role == "coordinator")).first()
    audit.record(db, coordinator, "view", "call", call.id, now=WHEN)
    audit.record(db, coordinator, "account", "user", coordinator.id, now=WHEN, change="password")
    audit.record(
        db,
        coordinator,
        "export",
        "consultation",
        None,
        now=WHEN,
        format="csv",
        personal=False,
        reason="감사 자료",
        filters={"field": 1},
    )
    db.commit()
    return {"call": call, "counselor": kim}


SKIPPED = ("static", "ivr.", "metrics.", "health.")
NOT_PAGES = ("export", "audio", "feed", "status_json", "access_review_report", "wallboard_fragment")


def pages(app: Flask, ids: dict[str, object]) -> list[str]:
    """Return every page URL a browser can open, with ids from the line's data."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint.startswith(SKIPPED):
            continue
        if any(word in rule.endpoint for word in NOT_PAGES):
            continue
        if not set(rule.arguments) <= set(ids):
            continue
        with app.test_request_context():
            from flask import url_for

            urls.append(url_for(rule.endpoint, **{a: ids[a] for a in rule.arguments}))
    return sorted(set(urls))


def page_ids(db, busy) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from callcenter.models import Consultation, Voicemail, WeeklyShift

    shift = db.scalars(select(WeeklyShift)).first()
    return {
        "call_id": busy["call"].id,
        "consultation_id": db.scalars(select(Consultation.id)).first(),
        "voicemail_id": db.scalars(select(Voicemail.id)).first(),
        "counselor_id": busy["counselor"].id,
        "user_id": db.scalars(select(User.id)).first(),
        "field_id": 1,
        "shift_id": shift.id,
        "day": "2027-03-08",
        "year": 2027,
        "month": 3,
        "key": "greeting",
        "language": "ko",
    }


def read_every_page(app, client, urls: list[str]) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Open each page; return the developer text found on each."""
    problems = {}
    for url in urls:
        response = client.get(url)
        if response.status_code >= 500:
            problems[url] = [str(response.status_code)]
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        found = developer_text(visible_text(response.get_data(as_text=True)))
        if found:
            problems[url] = sorted(set(found))
    return problems


def report(problems: dict[str, list[str]]) -> str:
    """List what each page should not say, one page a line."""
    return "\n".join(f"{url}: {found}" for url, found in sorted(problems.items()))


@pytest.mark.parametrize("role", ["admin", "coordinator", "counselor"])
def test_every_back_office_page_reads_in_korean_words(app, client, db, busy_line, role):
    from callcenter.demo import DEMO_PASSWORD

    email = {
        "admin": "admin@demo.example",
        "coordinator": "coordinator@demo.example",
        "counselor": "counselor@demo.example",
    }[role]
    client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
    problems = read_every_page(app, client, pages(app, page_ids(db, busy_line)))
    assert problems == {}, report(problems)


def test_every_public_page_reads_in_korean_words(app, client, db, busy_line):
    urls = [
        "/status",
        "/status/live",
        "/callback",
        "/callback/cancel",
        "/no-such-page",
        "/status/no-such-page",
    ]
    problems = read_every_page(app, client, urls)
    assert problems == {}, report(problems)


def test_the_check_finds_a_step_name_and_a_utc_time():
    text = visible_text("<p>step: greeting, at: 2027-03-02T01:30:05+00:00 · 20s</p>")
    assert {"greeting", "+00:00", "20s"} <= set(developer_text(text))


def test_the_check_finds_an_english_sentence():
    assert developer_text(visible_text("<p>Please choose a field first.</p>"))
