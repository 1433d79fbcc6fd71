"""Prometheus metrics: what a played call shows, who may scrape, and what the database says."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from callcenter.models import CallLeg, JobRun, LegResult, OutboxMessage
from tests import backoffice_data as data
from tests.ivr_support import play

TOKEN = "metrics-test-token"


@pytest.fixture
def scrape(app, client, settings):
    """Return a function that scrapes /metrics and gives one sample's value (0 if absent)."""
    settings(METRICS_TOKEN=TOKEN)

    def value(name: str, **labels: str) -> float:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        for family in text_string_to_metric_families(response.get_data(as_text=True)):
            for sample in family.samples:
                if sample.name == name and all(
                    sample.labels.get(k) == v for k, v in labels.items()
                ):
                    return sample.value
        return 0.0

    return value


def test_metrics_page_does_not_exist_without_a_token(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_page_refuses_a_wrong_token(client, settings):
    settings(METRICS_TOKEN=TOKEN)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_a_played_call_shows_webhook_latency_and_answers_per_endpoint(walker, clock, scrape):
    before = scrape("callcenter_webhook_duration_seconds_count", endpoint="ivr.voice")
    answered = scrape("callcenter_webhook_responses_total", endpoint="ivr.menu", status="200")
    play(walker, "1", "1")
    assert scrape("callcenter_webhook_duration_seconds_count", endpoint="ivr.voice") == before + 1
    assert (
        scrape("callcenter_webhook_responses_total", endpoint="ivr.menu", status="200") > answered
    )


def test_a_connected_call_is_counted_by_its_field_and_outcome(walker, on_shift, clock, scrape):
    on_shift("legal")
    play(walker, "1", counselors=["answers"])
    assert scrape("callcenter_calls_last_hour", field="legal", outcome="connected") == 1
    assert scrape("callcenter_rings_last_hour", field="legal", result="completed") == 1


def test_a_declined_ring_is_counted_as_refused(walker, on_shift, clock, scrape):
    on_shift("legal")
    play(walker, "1", counselors=["declines"])
    assert scrape("callcenter_rings_last_hour", field="legal", result="declined") == 1


def test_unsigned_webhooks_are_counted_as_403(client, scrape):
    before = scrape("callcenter_webhook_responses_total", endpoint="ivr.voice", status="403")
    client.post("/ivr/voice", data={"CallSid": "CAforged"})
    assert (
        scrape("callcenter_webhook_responses_total", endpoint="ivr.voice", status="403")
        == before + 1
    )


def test_a_failing_webhook_is_counted_with_its_apology(walker, clock, scrape, monkeypatch):
    import ivr.webhooks

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("menu unavailable")

    monkeypatch.setattr(ivr.webhooks, "menu_fields", broken)
    failures = scrape("callcenter_webhook_failures_total", endpoint="ivr.voice")
    apologies = scrape("callcenter_fallback_answers_total", reason="apology")
    play(walker)
    assert scrape("callcenter_webhook_failures_total", endpoint="ivr.voice") == failures + 1
    assert scrape("callcenter_fallback_answers_total", reason="apology") == apologies + 1


def test_queue_length_and_longest_wait_are_shown_while_a_caller_waits(
    db, walker, on_shift, clock, scrape
):
    counselor = on_shift("legal")
    counselor.busy_since, counselor.busy_call_sid = clock.now - timedelta(minutes=5), "CAleg"
    db.commit()
    seen = {}

    def look(_walker, poll):  # type: ignore[no-untyped-def]
        if poll == 1:
            clock.now += timedelta(seconds=40)
            seen["waiting"] = scrape("callcenter_queue_waiting", field="legal")
            seen["longest"] = scrape("callcenter_queue_longest_wait_seconds", field="legal")

    play(walker, "1", queue_polls=2, on_queue_poll=look)
    assert seen["waiting"] == 1
    assert seen["longest"] >= 40
    assert scrape("callcenter_field_on_call_counselors", field="legal") == 1
    assert scrape("callcenter_field_engaged_counselors", field="legal") == 1


def test_failed_sms_are_counted(db, clock, scrape):
    db.add(
        OutboxMessage(
            kind="sms",
            to="+821012345678",
            body="x",
            sandbox=False,
            status="failed",
            created_at=clock.now - timedelta(minutes=5),
        )
    )
    db.commit()
    assert scrape("callcenter_outbox_last_hour", kind="sms", status="failed") == 1


def test_job_runs_failures_and_last_success_are_shown(db, clock, scrape):
    ok_at = clock.now - timedelta(hours=2)
    db.add(JobRun(job_id="retention", started_at=ok_at, finished_at=ok_at, ok=True))
    db.add(JobRun(job_id="retention", started_at=clock.now - timedelta(hours=1), ok=False))
    db.commit()
    assert scrape("callcenter_job_runs_last_day", job="retention", result="failed") == 1
    assert scrape("callcenter_job_runs_last_day", job="retention", result="ok") == 1
    assert scrape("callcenter_job_last_success_timestamp_seconds", job="retention") == (
        ok_at.timestamp()
    )


def test_a_number_that_keeps_failing_is_counted(db, fields, scrape):
    from callcenter.models import utcnow

    counselor = data.counselor(db, "김변호", "+821011112222", fields["legal"])
    for n in range(3):
        call = data.call(db, fields["legal"], call_sid=f"CA{n:032d}")
        db.add(
            CallLeg(
                call_id=call.id,
                counselor_id=counselor.id,
                position=0,
                result=LegResult.FAILED,
                started_at=utcnow() - timedelta(hours=n + 1),
            )
        )
    db.commit()
    assert scrape("callcenter_counselor_numbers_failing") == 1


def test_database_up_is_shown(scrape):
    assert scrape("callcenter_database_up") == 1
