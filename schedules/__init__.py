"""Time: rosters, closure days, on-call resolution and scheduled jobs."""
