"""Jinja2 templates of the web pages, their French filters and the page renderer."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from matching.fields import CONTRACT_LABELS, STAGE_LABELS, TRAVEL_MODE_LABELS
from matching.french import MONTHS
from service.kit.times import paris
from service.models.people import display_name
from service.web.auth import CSRF_FIELD, WebContext

__all__ = ["FLASH", "LABELS", "SECURITY_HEADERS", "render", "templates"]

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


LABELS: Final[dict[str, str]] = {
    # roles
    "coach": "coach emploi",
    "facilitator": "facilitateur",
    "admin": "administrateur",
    # readiness stages and travel modes: their labels are declared with the fields
    **STAGE_LABELS,
    **TRAVEL_MODE_LABELS,
    # proposal states
    "proposed": "proposée",
    "validated": "validée",
    "refused": "refusée",
    "presented": "présentée à l'entreprise",
    "hired": "embauchée",
    "not_retained": "non retenue",
    "in_post": "en poste",
    "ended": "terminée",
    "obsolete": "caduque",
    "withdrawn": "retirée",
    # delivery modes and outcomes
    "direct_hire": "embauche directe",
    "mise_a_disposition": "mise à disposition",
    "geiq": "GEIQ",
    "sous_traitance_siae": "sous-traitance à une SIAE",
    "co_traitance_siae": "co-traitance avec une SIAE",
    "ea_esat": "sous-traitance à une EA ou un ESAT",
    "emploi_durable": "emploi durable",
    "formation_qualifiante": "formation qualifiante",
    "emploi_transition": "emploi de transition",
    "sortie_positive": "sortie positive",
    "other": "autre",
    "unknown": "inconnue",
}

# Messages shown after a redirect (``?msg=<key>``): fixed texts, never echoed user input.
FLASH: Final[dict[str, str]] = {
    "deconnecte": "Vous êtes déconnecté.",
    "propose": "Proposition envoyée au facilitateur pour validation.",
    "valide": "Proposition validée.",
    "refuse": "Proposition refusée ; le coach en est informé.",
    "heures": "Heures enregistrées.",
    "utilisateur": "Compte créé.",
    "modifie": "Modification enregistrée.",
    "profil": "Profil enregistré ; les classements en tiennent compte.",
    "modele": "Version du modèle activée.",
    "import": "Import appliqué.",
    "lu": "Résumé marqué comme lu : les prochaines correspondances seules y paraîtront.",
    "emails": "Vos choix d'e-mails sont enregistrés.",
    "ecartee": "Offre refusée écartée de la liste.",
    "ne_pas_proposer": (
        "Personne marquée « ne pas proposer » : elle n'est plus classée ni proposée."
    ),
    "proposable": "« Ne pas proposer » levé : la personne est de nouveau classée.",
    "anonymise": "Personne anonymisée : identité, contact, commentaires et dates exactes retirés.",
    "efface": "Personne effacée, avec tout ce qui la concernait.",
    "demande": (
        "Ce changement donne accès aux personnes suivies : il attend la validation d'un "
        "facilitateur."
    ),
    "acces_refuse": "Demande d'accès refusée : le compte reste tel qu'il était.",
    "import_annule": "Import annulé : le fichier déposé est effacé, rien n'a été modifié.",
}


# Pages hold personal data: never cached, never framed, no third-party content.
SECURITY_HEADERS: Final[dict[str, str]] = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def fr_date(value: date | datetime | None) -> str:
    """ "2 mars 2026", or "2 mars 2026 à 14:05" for a time (Europe/Paris)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        local = paris(value)
        return f"{_day(local.day)} {MONTHS[local.month - 1]} {local.year} à {local:%H:%M}"
    return f"{_day(value.day)} {MONTHS[value.month - 1]} {value.year}"


def _day(day: int) -> str:
    return "1er" if day == 1 else str(day)


def person_name(person: Any) -> str:
    """A person's name as their coach reads it ("Marie Dupont"), else their follow-up id."""
    return display_name(person.first_name, person.last_name, person.external_id)


def fr_month(value: date) -> str:
    return f"{MONTHS[value.month - 1]} {value.year}"


def fr_number(value: float | int | None, decimals: int = 0) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def label(value: object) -> str:
    return LABELS.get(str(value), str(value))


def pct(value: float | None) -> str:
    return "—" if value is None else f"{round(100 * value)} %"


templates.env.filters["fr_date"] = fr_date
templates.env.filters["fr_month"] = fr_month
templates.env.filters["fr_number"] = fr_number
templates.env.filters["label"] = label
templates.env.filters["pct"] = pct
templates.env.filters["person_name"] = person_name
templates.env.filters["contract"] = lambda code: CONTRACT_LABELS.get(str(code), str(code))
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD


def render(
    request: Request,
    name: str,
    context: WebContext | None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    """Render ``name`` with the signed-in user, their CSRF token and a flash message."""
    flash = FLASH.get(request.query_params.get("msg", ""))
    data: dict[str, Any] = {
        "web": context,
        "user": context.page_user if context else None,
        "csrf_token": context.csrf_token if context else "",
        "flash": flash,
        **values,
    }
    response = templates.TemplateResponse(request, name, data, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response
