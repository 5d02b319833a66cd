"""A database session for a command (migrated database required), errors as CLI errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

# Imported for its session events: every audit entry a command writes is chained at commit.
import service.accounts.audit  # noqa: F401
from service.cli import CliError
from service.config import get_settings
from service.db import DatabaseNotAtHead, check_at_head, make_engine, make_sessionmaker
from service.errors import AppError


@contextmanager
def command_session() -> Iterator[Session]:
    """One transaction for the command: committed when it succeeds, rolled back otherwise."""
    engine = make_engine(get_settings().database_url)
    try:
        check_at_head(engine)
        with make_sessionmaker(engine)() as session, session.begin():
            yield session
    except (AppError, DatabaseNotAtHead) as exc:
        raise CliError(str(getattr(exc, "detail", exc))) from exc
    except SQLAlchemyError as exc:
        raise CliError(f"base de données : {type(exc).__name__}") from exc
    finally:
        engine.dispose()
