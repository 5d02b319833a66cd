"""A progress bar for long commands, shown on a terminal only (never in pipes, files or tests)."""

from __future__ import annotations

import shutil
import sys
from typing import Any

__all__ = ["Steps", "on_terminal"]


def on_terminal() -> bool:
    return sys.stderr.isatty()


class Steps:
    """``total`` named steps of one piece of work, as a tqdm bar on standard error when it is a
    terminal; otherwise nothing is written."""

    def __init__(self, *, total: int, what: str) -> None:
        self._bar: Any = None
        if on_terminal():
            from tqdm import tqdm

            # A terminal that reports no width (0 columns) falls back to 80.
            width = min(100, shutil.get_terminal_size((80, 24)).columns)
            self._bar = tqdm(
                total=total, desc=what, unit="étape", leave=False, file=sys.stderr, ncols=width
            )

    def done(self, step: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(step)
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
