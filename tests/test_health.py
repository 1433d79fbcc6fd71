"""/healthz and /readyz: what a load balancer asks, and what they never tell."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from callcenter import create_app
from callcenter.extensions import db as _db
from callcenter.health import migration_heads
from callcenter.models import JobRun, utcnow
from schedules.leader import LeaderLock

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2"


def test_healthz_answers_ok_without_the_database():
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=UNREACHABLE)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_when_the_schema_is_at_the_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"


def test_readyz_is_unready_when_the_database_does_not_answer():
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=UNREACHABLE)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "unreachable"


def test_readyz_is_unready_when_migrations_are_behind(app, client, db):
    (head,) = migration_heads(app)
    db.execute(text("UPDATE alembic_version SET version_num = '0700'"))
    db.commit()
    try:
        response = client.get("/readyz")
    finally:
        db.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.commit()
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"] == "behind"


def test_readyz_reports_the_scheduler_lock_and_its_last_run(app, client, db):
    lock = LeaderLock(_db.engine, timedelta(seconds=60), holder="test-scheduler")
    db.add(JobRun(job_id="release_stale", started_at=utcnow() - timedelta(seconds=90), ok=True))
    db.commit()
    assert lock.acquire()
    try:
        scheduler = client.get("/readyz").get_json()["checks"]["scheduler"]
    finally:
        lock.release()
    assert scheduler["lock"] == "held"
    assert 90 <= scheduler["last_run_seconds_ago"] < 150


def test_readyz_without_a_scheduler_is_still_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["scheduler"] == {
        "lock": "free",
        "last_run_seconds_ago": None,
    }


def test_readyz_says_the_busy_board_is_off_where_there_is_none(client):
    assert client.get("/readyz").get_json()["checks"]["busy_board"] == "off"


def test_health_answers_name_no_setting_host_or_revision(app, client):
    lock = LeaderLock(_db.engine, timedelta(seconds=60), holder="secret-host:4242")
    assert lock.acquire()
    try:
        seen = client.get("/readyz").get_data(as_text=True)
    finally:
        lock.release()
    seen += client.get("/healthz").get_data(as_text=True)
    for secret in (
        "secret-host",
        *migration_heads(app),
        app.config["SECRET_KEY"],
        str(_db.engine.url.database),
        "127.0.0.1",
    ):
        assert secret not in seen, secret


def test_health_endpoints_need_no_login(client):
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").status_code == 200
