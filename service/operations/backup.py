"""Backups that restore: ``clausematch backup`` / ``clausematch restore``.

* **SQLite**: the online backup API (:meth:`sqlite3.Connection.backup`) copies the database page
  by page into a new file, consistent while the service keeps writing (it restarts the copy of
  pages written meanwhile). The backup is itself a SQLite database; restoring copies it back the
  same way, into the database of ``CLAUSEMATCH_DATABASE_URL``.
* **PostgreSQL**: ``pg_dump -Fc`` (one consistent snapshot, compressed custom format) and
  ``pg_restore --clean --if-exists --single-transaction`` (all or nothing). The connection URL
  becomes libpq options (``-h -p -U -d``); the password goes to the child process in its
  environment (``PGPASSWORD``), never on its command line, where every user of the host could
  read it in the process list.

A restore refuses a database that holds rows unless ``force`` is given, refuses a backup made
by a newer version of the code (a migration revision this code does not know), and reports what
it restored: the backup's revision and the rows of each table, counted in the restored database.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from service.db import alembic_config, head_revision, make_engine
from service.operations.repository import VERSION_TABLE, DatabaseContents

__all__ = [
    "BackupError",
    "BackupReport",
    "RestoreReport",
    "backup_database",
    "default_backup_name",
    "restore_database",
]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or a restore could not be made; the message says why, in French."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    backend: str
    revision: str | None
    size_bytes: int
    rows: dict[str, int]

    def summary(self) -> str:
        total = sum(n for t, n in self.rows.items() if t != VERSION_TABLE)
        return (
            f"Sauvegarde écrite : {self.path} ({self.backend}, {_size(self.size_bytes)}, "
            f"révision {self.revision or 'aucune'}, {len(self.rows)} tables, {total} lignes)"
        )


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    backend: str
    revision: str | None
    head: str | None
    rows: dict[str, int]
    replaced_rows: int

    def summary(self) -> str:
        total = sum(n for t, n in self.rows.items() if t != VERSION_TABLE)
        lines = [
            f"Restauré : {self.path} ({self.backend}, révision {self.revision or 'aucune'}) — "
            f"{len(self.rows)} tables, {total} lignes"
            + (f" (remplace {self.replaced_rows} lignes)" if self.replaced_rows else "")
        ]
        lines += [f"  {name} : {n}" for name, n in sorted(self.rows.items()) if n]
        if self.revision != self.head:
            lines.append(
                f"La sauvegarde est à la révision {self.revision}, le code à {self.head} : "
                "lancez `clausematch db upgrade` avant de démarrer le service."
            )
        return "\n".join(lines)


def default_backup_name(url: str, now: datetime | None = None) -> str:
    """``clausematch-YYYYmmdd-HHMMSS.sqlite3`` (SQLite) or ``….pgdump`` (PostgreSQL), UTC."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"clausematch-{stamp}.{'sqlite3' if _backend(url) == 'sqlite' else 'pgdump'}"


def backup_database(url: str, out: Path) -> BackupReport:
    """Back the database at ``url`` up into the new file ``out``."""
    backend = _backend(url)
    if out.exists():
        raise BackupError(f"le fichier {out} existe déjà : choisissez un autre nom (--out)")
    if not out.parent.is_dir():
        raise BackupError(f"le dossier {out.parent} n'existe pas")
    partial = out.with_name(out.name + ".partiel")
    try:
        if backend == "sqlite":
            _sqlite_copy(_sqlite_path(url, must_exist=True), partial)
        else:
            _pg_dump(url, partial)
        # Readable back, or it is no backup: its revision and tables are read from the copy.
        revision = _backup_revision(partial, backend)
        rows = _sqlite_file_counts(partial) if backend == "sqlite" else _counts(url)
        os.chmod(partial, 0o600)  # people's records: readable by the service's account only
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(out, backend, revision, out.stat().st_size, rows)


def restore_database(url: str, backup: Path, *, force: bool = False) -> RestoreReport:
    """Restore ``backup`` into the database at ``url`` (which must hold no rows, unless
    ``force``); the service must be stopped meanwhile (its engine state is in memory)."""
    backend = _backend(url)
    if not backup.is_file():
        raise BackupError(f"sauvegarde introuvable : {backup}")
    kind = _backup_kind(backup)
    if kind != backend:
        what = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            f"{backup} n'est pas une sauvegarde {what[backend]} "
            + (
                f"(c'est une sauvegarde {what[kind]})"
                if kind
                else "(ni une base SQLite ni un fichier de pg_dump -Fc)"
            )
            + f" : la base cible ({_shown(url)}) ne peut pas la recevoir"
        )
    revision = _backup_revision(backup, backend)
    head = head_revision()
    _check_revision(revision, head)
    if backend == "sqlite":
        target = _sqlite_path(url, must_exist=False)
        before = _sqlite_file_counts(target) if target.exists() else {}
    else:
        before = _counts(url)
    replaced = sum(n for t, n in before.items() if t != VERSION_TABLE)
    if replaced and not force:
        filled = sorted(t for t, n in before.items() if n and t != VERSION_TABLE)
        raise BackupError(
            f"la base cible n'est pas vide ({replaced} lignes dans {len(filled)} tables, "
            f"dont {', '.join(filled[:3])}) : rien n'a été restauré. Ajoutez --force pour la "
            "remplacer par la sauvegarde"
        )
    if backend == "sqlite":
        if not target.exists():
            target.touch(mode=0o600)  # an empty file is an empty database; private from the start
        _sqlite_copy(backup, target)
        rows = _sqlite_file_counts(target)
    else:
        _pg_restore(url, backup)
        rows = _counts(url)
    return RestoreReport(backup, backend, revision, head, rows, replaced)


# ------------------------------------------------------------------------------- checks


def _backend(url: str) -> str:
    try:
        name = make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise BackupError("CLAUSEMATCH_DATABASE_URL illisible") from exc
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"base {name} : seules SQLite et PostgreSQL sont prises en charge")
    return name


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _check_revision(revision: str | None, head: str | None) -> None:
    if revision is None:
        raise BackupError(
            f"la sauvegarde n'a pas de table {VERSION_TABLE} : ce n'est pas une base clausematch"
        )
    if revision == head:
        return
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            f"la sauvegarde est à la révision {revision}, que ce code ne connaît pas (il est à "
            f"{head}) : elle vient d'une version plus récente de clausematch ; restaurez-la "
            "avec cette version"
        )


def _backup_kind(path: Path) -> str | None:
    with path.open("rb") as fh:
        head = fh.read(len(_SQLITE_MAGIC))
    if head.startswith(_SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(_PG_MAGIC):
        return "postgresql"
    return None


def _backup_revision(path: Path, backend: str) -> str | None:
    if backend == "sqlite":
        conn = sqlite3.connect(path)
        try:
            try:
                row = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
            except sqlite3.DatabaseError:
                return None
        finally:
            conn.close()
        return None if row is None else str(row[0])
    # The data of the migration table only, as SQL text: "COPY … FROM stdin;", the value, "\.".
    out = _run(
        [_tool("pg_restore"), "--data-only", f"--table={VERSION_TABLE}", "-f", "-", str(path)],
        env=None,
        what="lecture de la sauvegarde",
    )
    match = re.search(rf"COPY \S*{VERSION_TABLE} .*?;\n(.*?)\n\\\.", out, re.S)
    return match.group(1).strip() if match and match.group(1).strip() else None


# ------------------------------------------------------------------------------- SQLite


def _sqlite_path(url: str, *, must_exist: bool) -> Path:
    database = make_url(url).database
    if database in (None, "", ":memory:"):
        raise BackupError("base SQLite en mémoire : rien à sauvegarder ni à restaurer")
    path = Path(str(database))
    if must_exist and not path.is_file():
        raise BackupError(f"base SQLite introuvable : {path}")
    return path


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy ``source`` into ``target`` with the online backup API (consistent under writes)."""
    try:
        src = sqlite3.connect(source)
        try:
            dst = sqlite3.connect(target)
            try:
                # Writers of the service wait for the copy's last step instead of failing.
                dst.execute("PRAGMA busy_timeout=30000")
                src.backup(dst, pages=1024)
                # One self-contained file (the service turns WAL back on when it connects).
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"copie SQLite impossible : {exc}") from exc


def _sqlite_file_counts(path: Path) -> dict[str, int]:
    engine = make_engine(f"sqlite:///{path}")
    try:
        return DatabaseContents(engine).row_counts()
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------- PostgreSQL


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        return DatabaseContents(engine).row_counts()
    except SQLAlchemyError as exc:
        raise BackupError(f"base injoignable ({_shown(url)}) : {type(exc).__name__}") from exc
    finally:
        engine.dispose()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} est introuvable (PATH) : installez les outils clients de PostgreSQL, de la "
            "même version majeure que le serveur ou plus récente (paquet postgresql-client)"
        )
    return path


def libpq_arguments(url: str) -> tuple[list[str], dict[str, str]]:
    """``(arguments, environment)`` for a libpq tool: host, port, user and database as options,
    the password and SSL mode in the environment only."""
    parsed: URL = make_url(url)
    args: list[str] = []
    if parsed.host:
        args += ["-h", parsed.host]
    if parsed.port:
        args += ["-p", str(parsed.port)]
    if parsed.username:
        args += ["-U", parsed.username]
    args += ["-d", str(parsed.database or "postgres")]
    env: dict[str, str] = {}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        value = parsed.query.get(key)
        if isinstance(value, str):
            env[var] = value
    return args, env


def _pg_dump(url: str, out: Path) -> None:
    args, env = libpq_arguments(url)
    _run([_tool("pg_dump"), "-Fc", "-f", str(out), *args], env=env, what="pg_dump")


def _pg_restore(url: str, backup: Path) -> None:
    args, env = libpq_arguments(url)
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(backup),
        ],
        env=env,
        what="pg_restore",
    )


def _run(command: list[str], *, env: dict[str, str] | None, what: str) -> str:
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(command, env=full_env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # The tools' messages name objects and options, never the password (not on the line).
        detail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "sans message"
        raise BackupError(f"{what} a échoué (code {done.returncode}) : {detail}")
    return done.stdout


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} Mo" if n >= 100_000 else f"{n / 1e3:.0f} ko"
