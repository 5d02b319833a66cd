"""``clausematch users add | list | passwd | token``: accounts, API tokens and web passwords.

A local operator's tool: it runs with the database's own credentials, which read everything
already, so it creates active accounts of any role and prints their tokens (audited with the
role ``system``). Through the API and the web pages, an administrator only asks for an account
that reads people; a facilitator approves it (``service/README_ACCESS.md``)."""

from __future__ import annotations

import argparse
import getpass
import sys

from service.accounts.passwords import MIN_PASSWORD_LENGTH
from service.accounts.repository import UserRepository
from service.accounts.schemas import UserCreate
from service.accounts.service import (
    account_policy,
    create_user,
    list_users,
    rotate_token,
    set_password,
)
from service.cli import CliError
from service.cli._session import command_session
from service.config import get_settings
from service.db import utcnow
from service.kit.crud import Pagination
from service.models.accounts import ROLES


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("users", help="comptes et jetons d'API", description=__doc__)
    sub = parser.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="créer un compte et afficher son jeton (une seule fois)")
    add.add_argument("name", help="identifiant (minuscules, chiffres, . _ -)")
    add.add_argument("--role", required=True, choices=ROLES)
    add.set_defaults(func=_add)
    lst = sub.add_parser("list", help="lister les comptes")
    lst.set_defaults(func=_list)
    passwd = sub.add_parser("passwd", help="définir le mot de passe web (lu sur l'entrée standard)")
    passwd.add_argument("name", help="identifiant du compte")
    passwd.set_defaults(func=_passwd)
    token = sub.add_parser(
        "token", help="remplacer le jeton d'API d'un compte et l'afficher (une seule fois)"
    )
    token.add_argument("name", help="identifiant du compte")
    token.set_defaults(func=_token)


def _passwd(args: argparse.Namespace) -> int:
    return set_password_from_stdin(args.name)


def _add(args: argparse.Namespace) -> int:
    try:
        data = UserCreate(username=args.name, role=args.role)
    except ValueError as exc:
        raise CliError(
            f"identifiant invalide : {args.name!r} (minuscules, chiffres, . _ -)"
        ) from exc
    with command_session() as session:
        user, token, _ = create_user(
            session, None, data, policy=account_policy(get_settings()), now=utcnow()
        )
        print(f"compte {user.username} ({user.role}) créé, id {user.id}")
        expires = user.token_expires_at
    print(
        f"jeton d'API (affiché une seule fois, à conserver ; valable jusqu'au {expires:%d/%m/%Y}) :"
    )
    print(token)
    return 0


def _token(args: argparse.Namespace) -> int:
    with command_session() as session:
        user = UserRepository(session).get_by_username(args.name)
        if user is None:
            raise CliError(f"compte inconnu : {args.name}")
        user, token = rotate_token(
            session, None, user.id, policy=account_policy(get_settings()), now=utcnow()
        )
        expires = user.token_expires_at
    print(
        f"nouveau jeton d'API de {args.name} (l'ancien ne marche plus ; affiché une seule fois, "
        f"valable jusqu'au {expires:%d/%m/%Y}) :"
    )
    print(token)
    return 0


def _list(_: argparse.Namespace) -> int:
    with command_session() as session:
        users, _total = list_users(session, Pagination(limit=10_000, offset=0))
        print(
            f"{'id':>4}  {'identifiant':<24} {'rôle':<12} {'actif':<6} "
            f"{'jeton jusqu’au':<14} demande"
        )
        for user in users:
            active = "oui" if user.is_active else "non"
            until = f"{user.token_expires_at:%d/%m/%Y}" if user.token_expires_at else "—"
            asked = f"rôle {user.pending_role} à valider" if user.pending_role else ""
            print(
                f"{user.id:>4}  {user.username:<24} {user.role:<12} {active:<6} {until:<14} {asked}"
            )
    return 0


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
    with command_session() as session:
        user = UserRepository(session).get_by_username(username)
        if user is None:
            raise CliError(f"compte inconnu : {username}")
        set_password(session, None, user, password)
    print(f"mot de passe web de {username} enregistré")
    return 0
