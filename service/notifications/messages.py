"""What each e-mail says: its French subject, plain-text and HTML bodies (templates in
``service/templates/mail/``), from the context kept in the outbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

__all__ = ["render", "subject_of"]

_MAIL_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"

# HTML bodies escape every value (an offer title is text from outside); plain-text ones do not.
_ENV: Final = Environment(
    loader=FileSystemLoader(str(_MAIL_TEMPLATES)),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def subject_of(kind: str, context: dict[str, Any]) -> str:
    """The subject line of a message."""
    if kind == "digest":
        return f"clausematch — {context['n_matches']} nouvelle(s) proposition(s) pour votre suivi"
    if kind == "proposal_update":
        title = str(context["offer_title"])
        title = title if len(title) <= 80 else title[:79] + "…"
        return f"clausematch — proposition {context['state_label']} : {title}"
    if kind == "waiting_reminder":
        return f"clausematch — {context['proposed']} proposition(s) à valider"
    if kind == "inactivity_notice":
        n = len(context["people"])
        return f"clausematch — {n} personne(s) de votre suivi bientôt anonymisée(s)"
    if kind == "test":
        return "clausematch — message d'essai"
    raise ValueError(f"unknown kind of e-mail: {kind}")


def render(kind: str, context: dict[str, Any], *, base_url: str) -> tuple[str, str]:
    """(plain text, HTML) of a message; links start with ``base_url``."""
    values = {**context, "base_url": base_url, "subject": subject_of(kind, context)}
    text = _ENV.get_template(f"{kind}.txt").render(values)
    html = _ENV.get_template(f"{kind}.html").render(values)
    return text, html
