"""The scheduled jobs page: each job, its schedule, next run time and last runs."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from callcenter.auth.access import admin_required
from callcenter.extensions import db
from callcenter.models import JobRun, SchedulerLease
from callcenter.rosters import bp
from callcenter.timezone import line_timezone
from schedules.scheduler import JOBS, next_run_times


@bp.get("/jobs")
@admin_required
def jobs() -> str:
    """Show each scheduled job with its next run time (as the running scheduler stored it)."""
    tz = line_timezone()
    stored = next_run_times(db.session)
    rows = []
    for spec in JOBS:
        last = db.session.scalars(
            select(JobRun)
            .where(JobRun.job_id == spec.id)
            .order_by(JobRun.started_at.desc())
            .limit(1)
        ).first()
        rows.append(
            {
                "spec": spec,
                "trigger": str(spec.trigger(tz)),
                "next": stored.get(spec.id),
                "scheduled": spec.id in stored,
                "last": last,
            }
        )
    lease = db.session.get(SchedulerLease, "scheduler")
    return render_template("rosters/jobs.html", rows=rows, tz=tz, lease=lease)
