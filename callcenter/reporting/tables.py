"""A report as titled tables: what the page shows and what CSV and XLSX exports contain."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _

from callcenter.labels import label
from callcenter.reporting.figures import CHANNELS, SATISFACTION_SCORES, CallFigures, Report
from callcenter.reporting.rates import ANSWER_TARGET_SECONDS

Cell = str | int | float | None

WEEKDAYS_KO = ("월", "화", "수", "목", "금", "토", "일")
OUTCOMES = ("advice", "referred", "follow_up", "none")


@dataclass
class Table:
    """One table: a key for anchors and sheets, a title, headers, rows and a total row."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    total: list[Cell] | None = None
    numeric_from: int = 1  # columns from this index hold numbers
    notes: list[str] = field(default_factory=list)


def _one(value: float | None) -> float | None:
    """Round to one decimal, keeping 'no data' as None."""
    return None if value is None else round(value, 1)


def channel_label(channel: str) -> str:
    """Return the name of a channel."""
    return label("channel", channel)


def outcome_label(outcome: str | None) -> str:
    """Return the name of a consultation outcome, the form's own words."""
    return label("consultation_outcome", outcome) if outcome else _("미기재")


def weekday_label(day: int) -> str:
    """Return the short name of a weekday, Monday 0."""
    return _(WEEKDAYS_KO[day])


def bucket_label(report: Report, key: str) -> str:
    """Return how a bucket is written in a table: 2027-03 or 03-14."""
    return key if report.period.unit == "month" else key[5:]


def consultations_table(report: Report) -> Table:
    """Consultations per day or month, by channel."""
    rows: list[list[Cell]] = []
    for key in report.buckets:
        counts = report.consultations.by_bucket.get(key, Counter())
        by_channel = [counts.get(c, 0) for c in CHANNELS]
        rows.append([bucket_label(report, key), sum(by_channel), *by_channel])
    total = [report.consultations.total.get(c, 0) for c in CHANNELS]
    return Table(
        "consultations",
        _("상담 건수"),
        [_("기간"), _("합계"), *(channel_label(c) for c in CHANNELS)],
        rows,
        [_("합계"), sum(total), *total],
        notes=[_("작성 중인 상담 %(n)d건은 세지 않았습니다.", n=report.consultations.drafts)]
        if report.consultations.drafts
        else [],
    )


def _call_cells(figures: CallFigures) -> list[Cell]:
    return [
        figures.offered,
        figures.answered,
        figures.abandoned_menu,
        figures.abandoned_queue,
        figures.abandoned_ringing,
        figures.answered_in_target,
        _one(figures.answer_rate),
        _one(figures.abandoned_rate),
        _one(figures.service_level),
        _one(figures.average_wait),
        figures.p90_wait,
    ]


def _call_columns() -> list[str]:
    return [
        _("걸려온 전화"),
        _("응답"),
        _("메뉴에서 끊음"),
        _("대기 중 끊음"),
        _("연결 중 끊음"),
        _("%(n)d초 안에 응답", n=ANSWER_TARGET_SECONDS),
        _("응답률(%)"),
        _("포기율(%)"),
        _("서비스 수준(%)"),
        _("평균 대기(초)"),
        _("90% 대기(초)"),
    ]


def rates_note() -> str:
    """Say once how the rates are counted (callcenter/reporting/rates.py)."""
    return _(
        "응답률은 응답한 전화, 포기율은 메뉴·대기·연결 중에 끊은 전화, 서비스 수준은 "
        "%(n)d초 안에 응답한 전화를 걸려온 전화 수로 나눈 비율입니다.",
        n=ANSWER_TARGET_SECONDS,
    )


def calls_table(report: Report) -> Table:
    """Calls per day or month."""
    rows = [
        [bucket_label(report, key), *_call_cells(report.calls.get(key, CallFigures()))]
        for key in report.buckets
    ]
    return Table(
        "calls",
        _("전화 응답"),
        [_("기간"), *_call_columns()],
        rows,
        [_("합계"), *_call_cells(report.calls_total)],
        notes=[
            _("대기 시간은 분야를 고른 때부터 상담위원이 받은 때까지입니다(응답한 전화)."),
            rates_note(),
        ],
    )


def follow_up_table(report: Report) -> Table:
    """Callbacks, voice messages and satisfaction per day or month."""
    rows: list[list[Cell]] = []
    for key in report.buckets:
        cb = report.callbacks.get(key)
        calls = report.calls.get(key, CallFigures())
        rows.append(
            [
                bucket_label(report, key),
                cb.requested if cb else 0,
                cb.web if cb else 0,
                cb.kept_turns if cb else 0,
                cb.completed if cb else 0,
                _one(cb.average_minutes) if cb else None,
                _one(cb.p90_minutes) if cb else None,
                report.voicemails.get(key, 0),
                calls.satisfaction_responses,
                _one(calls.satisfaction),
            ]
        )
    cb, calls = report.callbacks_total, report.calls_total
    return Table(
        "callbacks",
        _("콜백, 음성 메시지, 만족도"),
        [
            _("기간"),
            _("콜백 요청"),
            _("온라인 접수"),
            _("대기 순서 유지"),
            _("콜백 완료"),
            _("평균 콜백 소요(분)"),
            _("90% 콜백 소요(분)"),
            _("음성 메시지"),
            _("만족도 응답"),
            _("평균 만족도(5점)"),
        ],
        rows,
        [
            _("합계"),
            cb.requested,
            cb.web,
            cb.kept_turns,
            cb.completed,
            _one(cb.average_minutes),
            _one(cb.p90_minutes),
            sum(report.voicemails.values()),
            calls.satisfaction_responses,
            _one(calls.satisfaction),
        ],
    )


def fields_table(report: Report, language: str) -> Table:
    """Consultations and calls side by side for each field."""
    rows: list[list[Cell]] = []
    known = {f.id for f in report.fields}
    for item in report.fields:
        counts = report.consultations.by_field.get(item.id, Counter())
        calls = report.calls_by_field.get(item.id, CallFigures())
        by_channel = [counts.get(c, 0) for c in CHANNELS]
        if not any(by_channel) and not calls.offered and not item.active:
            continue
        rows.append(
            [item.name(language), sum(by_channel), *by_channel, calls.offered, calls.answered]
        )
    other = CallFigures()
    for field_id, figures in report.calls_by_field.items():
        if field_id not in known:
            other.add(figures)
    if other.offered:
        rows.append([_("분야 선택 전"), 0, 0, 0, 0, other.offered, other.answered])
    return Table(
        "fields",
        _("분야별"),
        [
            _("분야"),
            _("상담 합계"),
            *(channel_label(c) for c in CHANNELS),
            _("걸려온 전화"),
            _("응답"),
        ],
        rows,
    )


def outcomes_table(report: Report, language: str) -> Table:
    """Consultations by outcome for each field."""
    outcomes: list[str | None] = list(OUTCOMES)
    outcomes += [o for o in report.consultations.by_outcome if o not in outcomes]
    rows: list[list[Cell]] = []
    for item in report.fields:
        counts = report.consultations.by_field_outcome.get(item.id, Counter())
        if counts:
            rows.append([item.name(language), *(counts.get(o, 0) for o in outcomes)])
    return Table(
        "outcomes",
        _("상담 결과"),
        [_("분야"), *(outcome_label(o) for o in outcomes)],
        rows,
        [_("합계"), *(report.consultations.by_outcome.get(o, 0) for o in outcomes)],
    )


def satisfaction_table(report: Report) -> Table:
    """How many callers gave each satisfaction score."""
    return Table(
        "satisfaction",
        _("만족도 분포"),
        [_("점수"), _("응답")],
        [[score, report.satisfaction.get(score, 0)] for score in SATISFACTION_SCORES],
        [_("합계"), sum(report.satisfaction.values())],
    )


def counselors_table(report: Report) -> Table:
    """What each counselor did."""
    rows = [
        [c.name, c.consultations, c.consultation_minutes, c.calls, _one(c.call_minutes)]
        for c in report.counselors
    ]
    return Table(
        "counselors",
        _("상담위원별 업무량"),
        [_("상담위원"), _("상담"), _("상담 시간(분)"), _("응답한 전화"), _("통화 시간(분)")],
        rows,
        [
            _("합계"),
            sum(c.consultations for c in report.counselors),
            sum(c.consultation_minutes for c in report.counselors),
            sum(c.calls for c in report.counselors),
            _one(sum(c.call_minutes for c in report.counselors)),
        ],
    )


def heatmap_table(report: Report) -> Table:
    """Offered calls by weekday and local hour."""
    return Table(
        "heatmap",
        _("요일·시간대별 걸려온 전화"),
        [_("요일"), *(f"{h:02d}" for h in range(24))],
        [[weekday_label(d), *report.heatmap[d]] for d in range(7)],
    )


def busiest_table(report: Report) -> Table:
    """The busiest hours and weekdays."""
    hours = report.busiest_hours[:5]
    days = report.busiest_weekdays[:3]
    rows: list[list[Cell]] = []
    for i in range(max(len(hours), len(days))):
        hour = f"{hours[i][0]:02d}:00–{hours[i][0] + 1:02d}:00" if i < len(hours) else ""
        day = weekday_label(days[i][0]) if i < len(days) else ""
        rows.append(
            [
                i + 1,
                hour,
                hours[i][1] if i < len(hours) else None,
                day,
                days[i][1] if i < len(days) else None,
            ]
        )
    return Table(
        "busiest",
        _("가장 바쁜 시간대와 요일"),
        [_("순위"), _("시간대"), _("전화"), _("요일"), _("전화")],
        rows,
        numeric_from=0,
    )


def report_tables(report: Report, language: str) -> list[Table]:
    """Return every table of a report, in reading order."""
    return [
        consultations_table(report),
        fields_table(report, language),
        outcomes_table(report, language),
        calls_table(report),
        follow_up_table(report),
        satisfaction_table(report),
        counselors_table(report),
        heatmap_table(report),
        busiest_table(report),
    ]


def chart_data(report: Report, language: str) -> dict:
    """Return the series the page's charts draw (the same numbers as the tables).

    Series are lists, not mappings, so their order survives JSON encoding.
    """
    keys = report.buckets
    calls = [report.calls.get(k, CallFigures()) for k in keys]
    return {
        "labels": [bucket_label(report, k) for k in keys],
        "channels": [
            {
                "label": channel_label(c),
                "data": [report.consultations.by_bucket.get(k, Counter()).get(c, 0) for k in keys],
            }
            for c in CHANNELS
        ],
        "calls": [
            {"label": _("응답"), "data": [c.answered for c in calls]},
            {"label": _("끊음"), "data": [c.abandoned for c in calls]},
        ],
        "fields": {
            "labels": [f.name(language) for f in report.fields],
            "series": [
                {
                    "label": channel_label(c),
                    "data": [
                        report.consultations.by_field.get(f.id, Counter()).get(c, 0)
                        for f in report.fields
                    ],
                }
                for c in CHANNELS
            ],
        },
        "heatmap": {
            "weekdays": [weekday_label(d) for d in range(7)],
            "cells": [
                {"x": hour, "y": day, "v": report.heatmap[day][hour]}
                for day in range(7)
                for hour in range(24)
                if report.heatmap[day][hour]
            ],
            "label": _("걸려온 전화"),
        },
    }
