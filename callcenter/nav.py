"""The back-office menu: each blueprint adds its own entries, shown by role."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, current_app
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    """One menu entry; `label` is a Korean message id translated at render time."""

    endpoint: str
    label: str
    roles: frozenset[str] | None  # None: every signed-in user
    order: int = 100


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
