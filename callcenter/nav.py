"""The back-office menu: each blueprint adds its own entries, grouped by task, shown by role."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_login import current_user

HOME = "backoffice.index"
# Entries that live in the header's account menu, not in a task group.
ACCOUNT = frozenset({"backoffice.change_own_password"})

# The main menu: one group per task, in this order. The label is a Korean message id.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "상담",
        (
            "backoffice.consultations",
            "backoffice.appointments",
            "backoffice.calls",
            "backoffice.categories_index",
        ),
    ),
    ("콜백·음성 메시지", ("backoffice.callbacks", "backoffice.voicemails")),
    (
        "근무",
        (
            "rosters.my_shifts",
            "rosters.calendar",
            "rosters.counselors",
            "rosters.swaps",
            "rosters.closures",
            "rosters.report",
        ),
    ),
    (
        "전화 회선",
        (
            "backoffice.live_calls",
            "backoffice.line_closures_page",
            "backoffice.availability",
            "backoffice.phone",
            "backoffice.prompt_list",
            "backoffice.blocklist",
            "backoffice.outbox",
        ),
    ),
    ("통계", ("reports.wallboard", "reports.index")),
    (
        "관리",
        (
            "backoffice.users",
            "backoffice.audit_log",
            "backoffice.access_review_page",
            "rosters.jobs",
        ),
    ),
)
# An entry no group names (a page added later) is shown under the last group.
OTHER_GROUP = GROUPS[-1][0]


@dataclass(frozen=True)
class NavItem:
    """One menu entry; `label` is a Korean message id translated at render time."""

    endpoint: str
    label: str
    roles: frozenset[str] | None  # None: every signed-in user
    order: int = 100

    @property
    def url(self) -> str:
        """Return the entry's address."""
        return url_for(self.endpoint)


@dataclass(frozen=True)
class NavGroup:
    """One task in the main menu and the entries of it the user may open."""

    label: str
    items: tuple[NavItem, ...]


def add_nav_item(
    app: Flask, endpoint: str, label: str, roles: Iterable[str] | None = None, order: int = 100
) -> None:
    """Add a menu entry (call from a blueprint's `record_once`)."""
    items: list[NavItem] = app.extensions.setdefault("callcenter_nav", [])
    if all(item.endpoint != endpoint for item in items):
        items.append(NavItem(endpoint, label, frozenset(roles) if roles else None, order))
        items.sort(key=lambda item: (item.order, item.endpoint))


def visible_nav_items() -> list[NavItem]:
    """Return the entries the signed-in user may open."""
    if not current_user.is_authenticated:
        return []
    return [
        item
        for item in current_app.extensions.get("callcenter_nav", [])
        if item.roles is None or current_user.role in item.roles
    ]


def nav_groups() -> list[NavGroup]:
    """Return the main menu's groups for the signed-in user, leaving out empty ones."""
    items = {item.endpoint: item for item in visible_nav_items()}
    placed = {HOME, *ACCOUNT}
    groups: list[NavGroup] = []
    for label, endpoints in GROUPS:
        chosen = [items[e] for e in endpoints if e in items]
        placed.update(endpoints)
        if label == OTHER_GROUP:
            chosen += [item for e, item in items.items() if e not in placed]
        if chosen:
            groups.append(NavGroup(label, tuple(chosen)))
    return groups


def account_items() -> list[NavItem]:
    """Return the entries of the header's account menu."""
    return [item for item in visible_nav_items() if item.endpoint in ACCOUNT]


def current_trail() -> tuple[NavGroup, NavItem] | None:
    """Return the group and entry the current page belongs to, by the longest matching address."""
    path = request.path.rstrip("/") + "/"
    best: tuple[int, NavGroup, NavItem] | None = None
    for group in nav_groups():
        for item in group.items:
            prefix = item.url.rstrip("/") + "/"
            if item.endpoint == request.endpoint or path.startswith(prefix):
                score = 10_000 if item.endpoint == request.endpoint else len(prefix)
                if best is None or score > best[0]:
                    best = (score, group, item)
    return (best[1], best[2]) if best else None
