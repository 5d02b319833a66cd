"""Helpers of the web tests (kept out of conftest.py: other test folders have one too)."""

from __future__ import annotations

import re
from collections.abc import Callable

from service.models.accounts import User

__all__ = ["CSRF_RE", "Login", "csrf_of"]

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]*)"')

# Signs a user in on the test client; returns the session's CSRF token.
Login = Callable[[User], str]


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)
