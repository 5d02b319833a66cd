"""The clause article: the social clause written for a lot's tender documents, as a .docx the
buyer can edit.

The figures come from the hours calculator (:func:`service.scoring.tools.estimate_hours`: the
lot's amount × labour share × insertion rate ÷ loaded hourly cost); the words come from a French
template the Département edits without touching code (setting ``clause_template_path``, by
default ``fixtures/clauses/article_clause_insertion.txt``): a Jinja text where ``# `` starts a
title, ``## `` a sub-title, ``- `` a bullet, a blank line a new paragraph and ``**...**`` bold.
Every placeholder is listed in :data:`PLACEHOLDERS` (and in ``service/README_DESK.md``); a
placeholder the template misspells is refused with its line, in French.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy.orm import Session

from matching.french import MONTHS
from service.accounts.audit import audit
from service.errors import InvalidInput
from service.models.accounts import User
from service.procurement.service import get_buyer, get_contract, get_lot
from service.scoring.schemas import HoursEstimate
from service.scoring.tools import estimate_hours, format_eur

__all__ = ["PLACEHOLDERS", "ClauseArticle", "ClauseInput", "clause_article", "render_docx"]

DOCX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

PLACEHOLDERS: Final[dict[str, str]] = {
    "numero_article": "numéro de l'article dans le CCAP (paramètre, « 10 » par défaut)",
    "acheteur": "nom de l'acheteur",
    "marche_reference": "référence du marché",
    "marche_titre": "objet du marché",
    "lot_numero": "numéro du lot",
    "lot_intitule": "intitulé (corps de métier) du lot",
    "lot_reference": "référence du lot",
    "date_debut": "début d'exécution du lot (« 1er mars 2026 »), vide si inconnu",
    "date_fin": "fin d'exécution du lot, vide si inconnue",
    "montant_ht": "montant estimé du lot HT, en euros (« 1 000 000 »)",
    "part_main_oeuvre": "part de main-d'œuvre (« 50 % »)",
    "taux_insertion": "taux d'insertion (« 5 % »)",
    "cout_horaire": "coût horaire chargé en euros (« 30 »)",
    "heures": "heures d'insertion calculées (« 833 »)",
    "formule": "le calcul en une ligne, tel que l'écrit le calculateur",
    "penalite_heure": "pénalité par heure non réalisée, en euros HT (= coût horaire chargé)",
    "facilitateur": "qui est le facilitateur (« Le facilitateur de la clause sociale du "
    "Département de l'Orne »)",
}

FACILITATOR: Final = "Le facilitateur de la clause sociale du Département de l'Orne"


def _date_fr(day: date | None) -> str:
    if day is None:
        return ""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def _pct(x: float) -> str:
    return f"{x * 100:g} %".replace(".", ",")


def _hours_fr(hours: int) -> str:
    return f"{hours:,}".replace(",", "\u202f")


@dataclass(frozen=True)
class ClauseInput:
    """What the calculator needs beyond the lot: its amount, labour share (or trade) and rate."""

    amount_eur: float
    insertion_rate: float
    hourly_cost_eur: float
    labour_share: float | None = None
    trade: str | None = None
    article_number: str = "10"


@dataclass(frozen=True)
class ClauseArticle:
    """The article: its text (paragraphs with their kind), the calculator's figures, a file
    name."""

    estimate: HoursEstimate
    values: dict[str, str]
    blocks: list[tuple[str, str]]  # (kind: h1 | h2 | bullet | p, text)
    filename: str


def _read_template(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"modèle de clause introuvable : {path.name}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"modèle de clause illisible (UTF-8 attendu) : {path.name}") from None


def _render_text(template: str, values: dict[str, str]) -> str:
    # Plain text into a .docx (never HTML); sandboxed: the template is a file others edit.
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)
    try:
        return env.from_string(template).render(**values)
    except jinja2.TemplateSyntaxError as exc:
        raise InvalidInput(
            f"modèle de clause invalide, ligne {exc.lineno} : {exc.message}"
        ) from None
    except jinja2.UndefinedError as exc:
        known = ", ".join(PLACEHOLDERS)
        raise InvalidInput(
            f"modèle de clause : valeur inconnue ({exc.message}) ; valeurs disponibles : {known}"
        ) from None


def blocks_of(text: str) -> list[tuple[str, str]]:
    """The rendered text as (kind, text) paragraphs."""
    out: list[tuple[str, str]] = []
    paragraph: list[str] = []

    def close() -> None:
        if paragraph:
            out.append(("p", " ".join(paragraph)))
            paragraph.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            close()
        elif line.startswith("## "):
            close()
            out.append(("h2", line[3:].strip()))
        elif line.startswith("# "):
            close()
            out.append(("h1", line[2:].strip()))
        elif line.startswith("- "):
            close()
            out.append(("bullet", line[2:].strip()))
        else:
            paragraph.append(line)
    close()
    return out


def clause_article(
    session: Session,
    user: User | None,
    lot_id: int,
    data: ClauseInput,
    *,
    template_path: Path,
    shares_path: Path,
) -> ClauseArticle:
    """The clause article of a lot, its figures from the hours calculator."""
    lot = get_lot(session, lot_id)
    contract = get_contract(session, lot.contract_id)
    buyer = get_buyer(session, contract.buyer_id)
    estimate = estimate_hours(
        amount_eur=data.amount_eur,
        insertion_rate=data.insertion_rate,
        hourly_cost_eur=data.hourly_cost_eur,
        labour_share=data.labour_share,
        trade=data.trade,
        shares_path=shares_path,
    )
    number = data.article_number.strip()
    if not re.fullmatch(r"[0-9A-Za-z.\-]{1,12}", number):
        raise InvalidInput("numero_article : chiffres, lettres, point ou tiret, 12 au plus")
    values = {
        "numero_article": number,
        "acheteur": buyer.name,
        "marche_reference": contract.reference,
        "marche_titre": contract.title,
        "lot_numero": lot.number,
        "lot_intitule": lot.trade,
        "lot_reference": lot.reference,
        "date_debut": _date_fr(lot.start_date),
        "date_fin": _date_fr(lot.end_date),
        "montant_ht": format_eur(estimate.amount_eur),
        "part_main_oeuvre": _pct(estimate.labour_share),
        "taux_insertion": _pct(estimate.insertion_rate),
        "cout_horaire": format_eur(estimate.hourly_cost_eur),
        "heures": _hours_fr(estimate.hours),
        "formule": estimate.formula,
        "penalite_heure": format_eur(estimate.hourly_cost_eur),
        "facilitateur": FACILITATOR,
    }
    text = _render_text(_read_template(template_path), values)
    audit(session, user, "generate", "clause_article", lot.id, {"hours": estimate.hours})
    safe = re.sub(r"[^0-9A-Za-z._-]+", "-", lot.reference).strip("-") or str(lot.id)
    return ClauseArticle(estimate, values, blocks_of(text), f"clause-insertion-{safe}.docx")


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def render_docx(article: ClauseArticle) -> bytes:
    """The article as a Word document (A4, editable), the bold of ``**...**`` kept."""
    from docx import Document  # python-docx: only when a document is asked for
    from docx.shared import Cm

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.2))
    document.core_properties.title = "Clause sociale d'insertion"
    document.core_properties.language = "fr-FR"
    for kind, text in article.blocks:
        if kind == "h1":
            document.add_heading(text.replace("**", ""), level=1)
            continue
        if kind == "h2":
            document.add_heading(text.replace("**", ""), level=2)
            continue
        paragraph = document.add_paragraph(style="List Bullet" if kind == "bullet" else None)
        for i, part in enumerate(_BOLD.split(text)):
            if part:
                paragraph.add_run(part).bold = i % 2 == 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
