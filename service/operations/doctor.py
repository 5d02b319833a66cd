"""``clausematch doctor``: what a deployment's settings get wrong, each with what to do.

Every check gives one :class:`Check`: passed or not, a French line, and, when it fails, what to
do. The checks read the settings (never print a secret), reach the database and the SMTP server
when one is configured, and look at folders; they write nothing.
"""

from __future__ import annotations

import ipaddress
import os
import smtplib
import ssl
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Engine, make_url, select
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from service.accounts.passwords import verify_password
from service.config import Settings
from service.db import current_revision, head_revision, make_engine
from service.imports.demo import DEMO_USERS, demo_password
from service.models.accounts import User
from service.notifications.mailer import smtp_config

__all__ = ["Check", "run_checks"]

_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


@dataclass(frozen=True)
class Check:
    ok: bool
    label: str
    advice: str = ""

    def line(self) -> str:
        if self.ok:
            return f"✔ {self.label}"
        return f"✘ {self.label}" + (f" → {self.advice}" if self.advice else "")


def is_local(settings: Settings) -> bool:
    """Served to this machine only: listening on loopback and linked as such."""
    host = urlsplit(settings.public_url).hostname or ""
    return settings.host in _LOCAL_HOSTS and host in _LOCAL_HOSTS


def run_checks(
    settings: Settings, *, folders: Iterable[Path] = (), feed_scheduled: bool = False
) -> list[Check]:
    """Every check, in the order a person would fix them."""
    checks = [*_database(settings)]
    checks += _web(settings)
    checks += _mail(settings)
    checks += _feed(settings, scheduled=feed_scheduled)
    checks += _folders(settings, folders)
    return checks


# ------------------------------------------------------------------------------ database


def _database(settings: Settings) -> list[Check]:
    try:
        url = make_url(settings.database_url)
    except ArgumentError:
        return [
            Check(False, "CLAUSEMATCH_DATABASE_URL illisible", "donnez une URL SQLAlchemy valide")
        ]
    shown = url.render_as_string(hide_password=True)
    out: list[Check] = []
    if url.get_backend_name() == "sqlite" and not is_local(settings):
        out.append(
            Check(
                False,
                "base SQLite pour un service ouvert au réseau",
                "utilisez PostgreSQL en production (CLAUSEMATCH_DATABASE_URL="
                "postgresql+psycopg://…) : plusieurs processus, sauvegardes pg_dump",
            )
        )
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(str(url.database))
        if not path.exists():  # connecting would create it
            return [
                *out,
                Check(
                    False,
                    f"base SQLite {path} absente",
                    "clausematch db upgrade (ou restaurez une sauvegarde : clausematch restore)",
                ),
            ]
        if path.stat() and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            out.append(
                Check(
                    False,
                    f"le fichier de la base {path} est lisible par d'autres comptes "
                    f"(droits {stat.filemode(path.stat().st_mode)})",
                    f"chmod 600 {path}",
                )
            )
    engine = make_engine(settings.database_url)
    try:
        current = current_revision(engine)
        head = head_revision()
        out.append(Check(True, f"base de données joignable ({shown})"))
        if current == head:
            out.append(Check(True, f"base à la dernière révision ({head})"))
        else:
            out.append(
                Check(
                    False,
                    f"base à la révision {current or 'aucune'}, le code attend {head}",
                    "sauvegardez (clausematch backup) puis lancez clausematch db upgrade",
                )
            )
        if current == head:
            out += _demo_accounts(engine)
    except SQLAlchemyError as exc:
        out.append(
            Check(
                False,
                f"base de données injoignable ({shown} : {type(exc).__name__})",
                "vérifiez CLAUSEMATCH_DATABASE_URL, que le serveur tourne et accepte ce compte",
            )
        )
    finally:
        engine.dispose()
    return out


def _demo_accounts(engine: Engine) -> list[Check]:
    """Demo accounts keep a password anyone can read in the README."""
    names = [name for name, _ in DEMO_USERS]
    with Session(engine) as session:
        users = session.execute(
            select(User.username, User.password_hash).where(
                User.username.in_(names), User.is_active.is_(True)
            )
        ).all()
    weak = sorted(u for u, h in users if h and verify_password(h, demo_password(u)))
    if weak:
        return [
            Check(
                False,
                f"comptes de démonstration actifs avec leur mot de passe connu : {', '.join(weak)}",
                "changez leur mot de passe (clausematch users passwd NOM) ou désactivez-les",
            )
        ]
    return [Check(True, "aucun compte actif n'a le mot de passe de démonstration")]


# ----------------------------------------------------------------------------------- web


def _web(settings: Settings) -> list[Check]:
    out: list[Check] = []
    local = is_local(settings)
    scheme = urlsplit(settings.public_url).scheme
    if local:
        out.append(Check(True, "service local (127.0.0.1) : HTTPS non exigé"))
    else:
        out.append(
            Check(
                scheme == "https",
                f"adresse publique en {scheme or '?'} ({settings.public_url})",
                "servez derrière un mandataire TLS et mettez CLAUSEMATCH_PUBLIC_URL=https://…",
            )
        )
        out.append(
            Check(
                settings.web_cookie_secure,
                "cookies de session réservés à HTTPS"
                if settings.web_cookie_secure
                else "cookies de session envoyés aussi en HTTP",
                "CLAUSEMATCH_WEB_COOKIE_SECURE=true",
            )
        )
    trusted = settings.trusted_proxies
    anyone = any(ipaddress.ip_network(ip, strict=False).prefixlen == 0 for ip in trusted)
    out.append(
        Check(
            not anyone,
            f"en-têtes X-Forwarded-* crus de : {', '.join(trusted) or 'personne'}",
            "CLAUSEMATCH_TRUSTED_PROXIES = l'adresse du seul mandataire TLS (jamais * ni "
            "0.0.0.0/0) : "
            "sinon n'importe qui se fait passer pour une connexion HTTPS ou une autre adresse",
        )
    )
    return out


# ---------------------------------------------------------------------------------- mail


def _mail(settings: Settings) -> list[Check]:
    smtp = smtp_config(settings)
    if smtp is None:
        return [Check(True, "pas de serveur SMTP configuré : les e-mails attendent dans la file")]
    where = f"{smtp.host}:{smtp.port} ({smtp.security})"
    if smtp.user and smtp.password is None:
        return [
            Check(
                False,
                f"SMTP {where} : utilisateur sans mot de passe",
                "CLAUSEMATCH_SMTP_PASSWORD",
            )
        ]
    context = ssl.create_default_context()
    try:
        conn: smtplib.SMTP
        if smtp.security == "ssl":
            conn = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_s, context=context)
        else:
            conn = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
        try:
            if smtp.security == "starttls":
                conn.starttls(context=context)
            if smtp.user and smtp.password is not None:
                conn.login(smtp.user, smtp.password.get_secret_value())
            conn.noop()
        finally:
            conn.close()
    except (smtplib.SMTPException, OSError) as exc:
        # The class only: a server's text may quote the login.
        return [
            Check(
                False,
                f"SMTP {where} injoignable ou refusé ({type(exc).__name__})",
                "vérifiez CLAUSEMATCH_SMTP_HOST, _PORT, _SECURITY, _USER et _PASSWORD "
                "(clausematch mail test ADRESSE envoie un essai)",
            )
        ]
    return [
        Check(True, f"SMTP {where} joignable" + (" et identifiant accepté" if smtp.user else ""))
    ]


# ---------------------------------------------------------------------------------- feed


def _feed(settings: Settings, *, scheduled: bool) -> list[Check]:
    has_id = bool(settings.ft_client_id)
    has_secret = settings.ft_client_secret is not None and bool(
        settings.ft_client_secret.get_secret_value()
    )
    if not (scheduled or has_id or has_secret):
        return [Check(True, "flux France Travail non utilisé")]
    missing = [
        name
        for name, present in (
            ("CLAUSEMATCH_FT_CLIENT_ID", has_id),
            ("CLAUSEMATCH_FT_CLIENT_SECRET", has_secret),
        )
        if not present
    ]
    if missing:
        return [
            Check(
                False,
                f"flux France Travail : {' et '.join(missing)} manquant(s)",
                "identifiants de l'application sur francetravail.io (espace partenaire)",
            )
        ]
    return [Check(True, "flux France Travail : identifiants présents")]


# ------------------------------------------------------------------------------- folders


def _folders(settings: Settings, extra: Iterable[Path]) -> list[Check]:
    out: list[Check] = []
    if settings.models_dir.exists():
        out.append(_folder(settings.models_dir, "modèles entraînés"))
    else:
        out.append(
            Check(True, f"pas de dossier de modèles ({settings.models_dir}) : pondérations fixes")
        )
    for folder in extra:
        out.append(_folder(folder, "fichiers déposés"))
    return out


def _folder(folder: Path, what: str) -> Check:
    if not folder.exists():
        return Check(
            False, f"dossier {folder} absent", f"mkdir -m 700 {folder} (compte du service)"
        )
    if not folder.is_dir():
        return Check(False, f"{folder} n'est pas un dossier", "indiquez un dossier")
    if not os.access(folder, os.W_OK | os.X_OK):
        return Check(
            False,
            f"dossier {folder} non modifiable par ce compte",
            f"chown au compte du service, chmod 700 {folder}",
        )
    mode = folder.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return Check(
            False,
            f"dossier {folder} ouvert à d'autres comptes ({stat.filemode(mode)})",
            f"chmod 700 {folder} : ses fichiers touchent aux données des personnes",
        )
    return Check(True, f"dossier {folder} ({what}) modifiable et privé")
