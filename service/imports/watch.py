"""Imports and batches outside the API: one file, one batch, and the drop folder.

:class:`Runner` opens its own sessions (one transaction per import, one per batch) for the command
line and the drop folder. :func:`watch_once` imports every file ready in a folder: offers
(``*.csv``, ``*.json``) or people (``candidats*.csv``, ``candidates*.csv``). Each file goes to
``done/`` when imported, or to ``rejected/`` with its error report beside it
(``<name>.errors.txt`` in French and ``<name>.errors.json``); then the batch runs once. A file is
taken only when its size and modification time did not change between two looks (a file still
being copied is left for the next pass), and hidden or ``*.part`` files are ignored.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from service.errors import AppError
from service.imports.offer_import import import_offers
from service.imports.reading import ImportLimits
from service.imports.schemas import ImportRead
from service.imports.service import import_candidates, too_large
from service.referentials.service import Referentials
from service.referentials.titles import TitleNormaliser
from service.scoring.batch import BatchParameters, run_batch
from service.scoring.schemas import BatchRead
from service.scoring.state import ScoringState

__all__ = ["FileOutcome", "Runner", "file_kind", "ready_files", "watch", "watch_once"]


Kind = Literal["offers", "candidates"]


def _bar(total: int, desc: str, *, unit: str = "offre") -> Any:
    """A tqdm bar on a terminal; ``None`` when standard error is not one (cron, tests)."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr)


@dataclass
class Runner:
    """What an import or a batch needs outside a request."""

    sessions: sessionmaker[Session]
    refs: Referentials
    normaliser: Callable[[], TitleNormaliser]
    limits: ImportLimits
    scoring: ScoringState
    slots_per_position: int = 3
    max_lists: int = 3
    pause_before_commit_s: float = 0.0
    today: Callable[[], date] = date.today
    engine: Engine | None = None

    def close(self) -> None:
        """Stop the scoring state's watch on this process's sessions; close the connections."""
        self.scoring.close()
        if self.engine is not None:
            self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose transaction commits when the block ends, rolls back on error."""
        with self.sessions() as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            session.commit()

    def read(self, path: Path) -> bytes:
        size = path.stat().st_size
        if size > self.limits.max_bytes:
            raise too_large(size, self.limits)
        return path.read_bytes()

    def import_file(
        self,
        path: Path,
        kind: Kind,
        *,
        dry_run: bool = False,
        full: bool = False,
        accept_valid: bool = False,
    ) -> ImportRead:
        """Import one file in one transaction (rolled back in a dry run or on error)."""
        data = self.read(path)
        bar = _bar(0, f"import {path.name}", unit="ligne")

        def progress(n: int) -> None:
            if bar is not None:
                bar.total = (bar.total or 0) + n
                bar.update(n)

        with self.transaction() as session:
            if kind == "offers":
                report = import_offers(
                    session,
                    data,
                    filename=path.name,
                    refs=self.refs,
                    normalise_titles=self.normaliser(),
                    limits=self.limits,
                    user=None,
                    dry_run=dry_run,
                    accept_valid=accept_valid,
                    progress=progress,
                )
            else:
                report = import_candidates(
                    session,
                    data,
                    refs=self.refs,
                    normalise_titles=self.normaliser(),
                    limits=self.limits,
                    user=None,
                    today=self.today(),
                    dry_run=dry_run,
                    full=full,
                    filename=path.name,
                    progress=progress,
                )
            if dry_run:
                session.rollback()
        if bar is not None:
            bar.close()
        return report

    def batch(self, *, on_pause: Callable[[], None] | None = None) -> BatchRead:
        """One batch run in its own transaction."""
        bar = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = _bar(total, "rapprochement")
            if bar is not None:
                bar.n = done
                bar.refresh()

        try:
            with self.transaction() as session:
                return run_batch(
                    session,
                    self.scoring,
                    user=None,
                    params=BatchParameters(
                        as_of=self.today(),
                        slots_per_position=self.slots_per_position,
                        max_lists=self.max_lists,
                    ),
                    progress=progress,
                    pause_before_commit_s=self.pause_before_commit_s,
                    on_pause=on_pause,
                )
        finally:
            if bar is not None:
                bar.close()


def file_kind(path: Path) -> Kind | None:
    """What a dropped file holds, from its name; ``None`` for a file to leave alone."""
    name = path.name.lower()
    if name.startswith(".") or name.endswith(".part") or not path.is_file():
        return None
    if name.endswith(".csv") and name.startswith(("candidats", "candidates")):
        return "candidates"
    if name.endswith((".csv", ".json")):
        return "offers"
    return None


def _signature(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def ready_files(
    directory: Path, *, seen: dict[Path, tuple[int, int]], settle_s: float = 0.0
) -> list[Path]:
    """Files whose size and time are the same as at the previous look (``seen`` keeps it).

    With ``settle_s`` > 0 the folder is looked at twice, ``settle_s`` apart (``--once``).
    """

    def look() -> dict[Path, tuple[int, int]]:
        out = {}
        for p in sorted(directory.iterdir()):
            if file_kind(p) is not None:
                try:
                    out[p] = _signature(p)
                except FileNotFoundError:
                    continue
        return out

    if settle_s > 0:
        seen.clear()
        seen.update(look())
        time.sleep(settle_s)
    now = look()
    ready = [p for p, sig in now.items() if seen.get(p) == sig]
    seen.clear()
    seen.update({p: s for p, s in now.items() if p not in ready})
    return ready


@dataclass
class FileOutcome:
    path: Path
    kind: Kind
    ok: bool
    moved_to: Path
    report: ImportRead | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    n = 1
    while target.exists():
        stem, dot, ext = name.partition(".")
        target = folder / f"{stem}-{n}{dot}{ext}"
        n += 1
    return target


def _error_text(path: Path, detail: str, errors: list[dict[str, Any]]) -> str:
    lines = [f"Fichier refusé : {path.name}", "Rien n'a été importé.", "", detail, ""]
    for e in errors:
        where = []
        if e.get("line") is not None:
            where.append(f"ligne {e['line']}")
        if e.get("column"):
            where.append(f"colonne « {e['column']} »")
        prefix = (", ".join(where) + " : ") if where else ""
        lines.append(f"- {prefix}{e['message']} [{e['code']}]")
    return "\n".join(lines) + "\n"


def process_file(runner: Runner, path: Path, directory: Path) -> FileOutcome:
    """Import one dropped file, then move it to ``done/`` or ``rejected/`` (with its report)."""
    kind = file_kind(path)
    assert kind is not None
    try:
        report = runner.import_file(path, kind)
    except AppError as exc:
        rejected = directory / "rejected"
        rejected.mkdir(exist_ok=True)
        target = _free_name(rejected, path.name)
        shutil.move(str(path), target)
        errors = exc.errors or [
            {"line": None, "column": None, "code": "refused", "message": exc.detail}
        ]
        target.with_name(target.name + ".errors.txt").write_text(
            _error_text(path, exc.detail, errors), encoding="utf-8"
        )
        target.with_name(target.name + ".errors.json").write_text(
            json.dumps(
                {
                    "file": path.name,
                    "error": type(exc).__name__,
                    "detail": exc.detail,
                    "errors": errors,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
        return FileOutcome(path, kind, False, target, errors=errors, detail=exc.detail)
    done = directory / "done"
    done.mkdir(exist_ok=True)
    target = _free_name(done, path.name)
    shutil.move(str(path), target)
    return FileOutcome(path, kind, True, target, report=report)


def watch_once(
    runner: Runner,
    directory: Path,
    *,
    seen: dict[Path, tuple[int, int]] | None = None,
    settle_s: float = 0.0,
    log: Callable[[str], None] = print,
) -> tuple[list[FileOutcome], BatchRead | None]:
    """One pass: import the ready files (people first, then offers), then one batch."""
    files = ready_files(directory, seen={} if seen is None else seen, settle_s=settle_s)
    files.sort(key=lambda p: (file_kind(p) != "candidates", p.name))
    outcomes = []
    for path in files:
        outcome = process_file(runner, path, directory)
        outcomes.append(outcome)
        if outcome.ok and outcome.report is not None:
            r = outcome.report
            log(
                f"{path.name} : importé ({r.created} créé(s), {r.updated} modifié(s), "
                f"{r.unchanged} inchangé(s)) → {outcome.moved_to}"
            )
        else:
            log(f"{path.name} : refusé ({outcome.detail}) → {outcome.moved_to}")
    batch = None
    if any(o.ok and o.report is not None and o.report.has_changes for o in outcomes):
        batch = runner.batch()
        log(batch.message)
    return outcomes, batch


def watch(
    runner: Runner,
    directory: Path,
    *,
    interval_s: float,
    log: Callable[[str], None] = print,
    passes: int | None = None,
) -> None:
    """Watch the folder: a file is taken once it is unchanged between two passes."""
    seen: dict[Path, tuple[int, int]] = {}
    n = 0
    while passes is None or n < passes:
        watch_once(runner, directory, seen=seen, log=log)
        n += 1
        time.sleep(interval_s)
