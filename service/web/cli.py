"""``clausematch users passwd NAME``: a web password read from standard input.

On a terminal the password is asked twice without echo; otherwise the first line of standard
input is the password (``echo "$PW" | clausematch users passwd marie``).
"""

from __future__ import annotations

import getpass
import sys

from sqlalchemy.exc import SQLAlchemyError

from service.accounts.passwords import MIN_PASSWORD_LENGTH
from service.accounts.repository import UserRepository
from service.cli import CliError
from service.config import get_settings
from service.db import DatabaseNotAtHead, check_at_head, make_engine, make_sessionmaker
from service.web.auth import set_password

__all__ = ["set_password_from_stdin"]


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Nouveau mot de passe : ")
        if getpass.getpass("Encore une fois : ") != first:
            raise CliError("les deux saisies diffèrent : rien n'a été changé")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def set_password_from_stdin(username: str) -> int:
    password = _read_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CliError(
            f"mot de passe trop court (au moins {MIN_PASSWORD_LENGTH} caractères) : "
            "rien n'a été changé"
        )
    engine = make_engine(get_settings().database_url)
    try:
        check_at_head(engine)
        with make_sessionmaker(engine)() as session, session.begin():
            user = UserRepository(session).get_by_username(username)
            if user is None:
                raise CliError(f"compte inconnu : {username}")
            set_password(session, None, user, password)
        print(f"mot de passe web de {username} enregistré")
    except DatabaseNotAtHead as exc:
        raise CliError(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise CliError(f"base de données : {type(exc).__name__}") from exc
    finally:
        engine.dispose()
    return 0
