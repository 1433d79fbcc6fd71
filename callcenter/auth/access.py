"""Role checks for views: who may open a page or take an action."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from callcenter.models import COORDINATOR_ROLES, Role


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let only signed-in users with one of these roles through; others get 403."""
    allowed = {Role(r) for r in roles}

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


coordinator_required = roles_required(*COORDINATOR_ROLES)
admin_required = roles_required(Role.ADMIN)
