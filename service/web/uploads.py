"""Files of a web import waiting for their confirmation (they may hold people's data).

They live in the service's own folder (setting ``uploads_dir``, created 0700; files 0600, never
in the host's shared temporary folder), one file per web session and content, and are removed
on confirmation, on cancellation, when their session logs out, and once older than
``uploads_max_age_minutes`` (the purge runs on every upload and every confirmation).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from service.config import Settings
from service.errors import InvalidInput

__all__ = ["discard", "discard_session_uploads", "purge_old_uploads", "stash", "stashed"]


def _folder(settings: Settings) -> Path:
    folder = settings.uploads_dir
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # also when it existed before, or the umask widened it
    return folder


def _path(settings: Settings, session_id: int, digest: str) -> Path:
    # One file per session and content: another session cannot confirm it.
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput("fichier à confirmer inconnu : déposez-le de nouveau")
    return _folder(settings) / f"{session_id}-{digest}"


def stash(settings: Settings, session_id: int, digest: str, data: bytes) -> None:
    """Keep an uploaded file until it is confirmed (mode 0600 from its creation)."""
    purge_old_uploads(settings)
    path = _path(settings, session_id, digest)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


def stashed(settings: Settings, session_id: int, digest: str) -> Path:
    """The waiting file of this session (it may not exist: expired, confirmed, cancelled)."""
    purge_old_uploads(settings)
    return _path(settings, session_id, digest)


def discard(settings: Settings, session_id: int, digest: str) -> None:
    _path(settings, session_id, digest).unlink(missing_ok=True)


def discard_session_uploads(settings: Settings, session_id: int) -> None:
    """Remove every waiting file of a web session (at logout)."""
    folder = settings.uploads_dir
    if folder.is_dir():
        for path in folder.glob(f"{session_id}-*"):
            path.unlink(missing_ok=True)


def purge_old_uploads(settings: Settings, *, now: float | None = None) -> int:
    """Remove the waiting files older than ``uploads_max_age_minutes``; how many."""
    folder = settings.uploads_dir
    if not folder.is_dir():
        return 0
    limit = (time.time() if now is None else now) - settings.uploads_max_age_minutes * 60
    removed = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                removed += 1
        except FileNotFoundError:  # removed meanwhile by another request or process
            continue
    return removed
