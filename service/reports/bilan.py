"""The one-page PDF « bilan » of the whole operation or of one contract, from the same
:class:`~service.reports.summary.Summary` as the dashboard and the reports.

Written with fpdf2: pure Python (its dependencies, Pillow and fontTools, already come with
matplotlib), no system library (WeasyPrint needs Pango, wkhtmltopdf a binary), small and fast for
one page of text and bars. The text font is DejaVu Sans, shipped inside matplotlib, so accents
and « œ » print with nothing downloaded.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Final

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from service.reports.cells import french_text
from service.reports.labels import Kind
from service.reports.summary import SUMMARY_LABELS, Summary
from service.workflow.states import OUTCOME_LABELS

__all__ = ["bilan_pdf"]


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


BLUE: Final = (0, 82, 155)
LIGHT: Final = (157, 183, 213)
RED: Final = (163, 20, 30)
INK: Final = (27, 27, 27)
MAX_BARS: Final = 10
MAX_LATE: Final = 6


# Latin letters with their accents and ligatures (œ, Œ), punctuation, spaces (narrow no-break
# space included), the euro sign, arrows: what a French bilan prints.
_UNICODES: Final = [
    *range(0x20, 0x17F + 1),
    *range(0x2000, 0x206F + 1),
    0x20AC,
    0x2192,
    0x2264,
    0x2265,
]


@lru_cache(maxsize=2)
def _font(name: str) -> str:
    """DejaVu Sans cut down to :data:`_UNICODES`, written once in the temporary folder (then
    reused by every process): fpdf2 parses the whole font on every document, half a second for
    DejaVu's 6,000 glyphs, and the cut one in a few milliseconds."""
    source = _font_dir() / name
    stamp = f"{source.stat().st_size}-{int(source.stat().st_mtime)}"
    target = Path(tempfile.gettempdir()) / "clausematch-fonts" / f"latin-{stamp}-{name}"
    if target.exists():
        return str(target)
    from fontTools import subset  # type: ignore[import-untyped]

    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables = [*options.drop_tables, "FFTM"]
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}")
    with subset.load_font(str(source), options) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=_UNICODES)
        subsetter.subset(font)
        font.save(str(partial))
    os.replace(partial, target)  # atomic: another process never reads half a file
    return str(target)


def _kind(code: str) -> Kind:
    unit = SUMMARY_LABELS[code][1]
    return "ratio" if unit == "%" else "hours"


class _Page(FPDF):
    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("DejaVu", "B", 11)
        self.set_text_color(*BLUE)
        self.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_font("DejaVu", "", 9)

    def row(self, label: str, value: str, *, label_w: float = 130, bold: bool = False) -> None:
        self.set_font("DejaVu", "B" if bold else "", 9)
        self.cell(label_w, 5, label[:95])
        self.cell(0, 5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def bilan_pdf(summary: Summary, *, scope: str) -> bytes:
    """One A4 page: key figures, hours by buyer (or by lot for one contract), delivery modes,
    outcomes, lots at risk."""
    pdf = _Page(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(15, 12, 15)
    pdf.add_font("DejaVu", "", _font("DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", _font("DejaVuSans-Bold.ttf"))
    pdf.set_lang("fr")
    pdf.set_title(f"Bilan de la clause sociale — {scope}")
    pdf.set_creator("clausematch")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.set_text_color(*BLUE)
    pdf.cell(0, 8, "Bilan de la clause sociale d'insertion", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 4.5, f"{scope[:160]} — situation au {summary.as_of.strftime('%d/%m/%Y')}")
    pdf.set_y(pdf.get_y() + 1)

    pdf.heading("Chiffres clés")
    values = summary.values
    for code, (label, unit) in SUMMARY_LABELS.items():
        value = french_text(values[code], _kind(code))
        shown = value if unit in ("%", "") or not value else f"{value} {unit}"
        # The definitions in brackets are in the footer.
        short = label.split(" (")[0]
        pdf.row(short, shown or "—", bold=code in ("heures_realisees", "lots_en_retard"))
    rate = float(values["taux_realisation"] or 0.0)
    y = pdf.get_y() + 1.5
    width = 180.0
    pdf.set_fill_color(*LIGHT)
    pdf.rect(15, y, width, 4, style="F")
    pdf.set_fill_color(*BLUE)
    pdf.rect(15, y, width * min(1.0, rate), 4, style="F")
    pdf.set_y(y + 5)

    lots = summary.execution.tables["lots"]
    if summary.execution.filters.get("contract_id") or len(summary.by_buyer) <= 1:
        title, names = "Heures par lot (réalisées / engagées)", list(lots["lot"])
        done, committed = list(lots["heures_realisees"]), list(lots["heures_engagees"])
    else:
        buyers = summary.by_buyer
        title, names = "Heures par acheteur (réalisées / engagées)", list(buyers["acheteur"])
        done, committed = list(buyers["heures_realisees"]), list(buyers["heures_engagees"])
    pdf.heading(title)
    peak = max([float(c) for c in committed] + [float(d) for d in done] + [1.0])
    for name, d, c in list(zip(names, done, committed, strict=True))[:MAX_BARS]:
        y = pdf.get_y()
        pdf.set_font("DejaVu", "", 8)
        pdf.cell(72, 4.6, str(name)[:52])
        pdf.set_fill_color(*LIGHT)
        pdf.rect(88, y + 0.6, 70 * float(c) / peak, 3.4, style="F")
        pdf.set_fill_color(*BLUE)
        pdf.rect(88, y + 0.6, 70 * float(d) / peak, 3.4, style="F")
        pdf.set_x(160)
        text = f"{french_text(d, 'hours')} / {french_text(c, 'hours')} h"
        pdf.cell(0, 4.6, text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if len(names) > MAX_BARS:
        pdf.cell(0, 4.5, f"… et {len(names) - MAX_BARS} autres (détail dans le rapport xlsx)")
        pdf.ln(4.5)

    pdf.heading("Heures par mode de réalisation")
    for row in summary.execution.tables["modes"].to_dict("records"):
        share = french_text(row["part"], "ratio")
        pdf.row(str(row["libelle"]), f"{french_text(row['heures'], 'hours')} h   {share}")

    pdf.heading("Situations à la sortie (placements terminés)")
    pdf.set_font("DejaVu", "B", 8)
    pdf.cell(130, 4.5, "Situation")
    pdf.cell(25, 4.5, "À la fin", align="R")
    pdf.cell(0, 4.5, "Six mois après", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 8)
    for row in summary.fse.tables["situations"].to_dict("records"):
        label = OUTCOME_LABELS.get(str(row["situation"]), str(row["libelle"])).split(" (")[0]
        pdf.cell(130, 4.5, label[:88])
        pdf.cell(25, 4.5, french_text(row["a_la_fin"], "count"), align="R")
        pdf.cell(
            0,
            4.5,
            french_text(row["six_mois_apres"], "count"),
            align="R",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    late = summary.lots_at_risk
    pdf.heading(f"Lots en retard ({len(late)})")
    if late.empty:
        pdf.cell(0, 4.5, "Aucun lot en retard à cette date.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for row in late.head(MAX_LATE).to_dict("records"):
        share = french_text(row["taux_realisation"], "ratio")
        elapsed = french_text(row["part_duree_ecoulee"], "ratio")
        text = (
            f"{row['lot']} — {str(row['metier'])[:40]} : {share} des heures pour {elapsed} "
            "de la durée"
        )
        pdf.cell(0, 4.5, text[:120], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if len(late) > MAX_LATE:
        pdf.cell(
            0, 4.5, f"… et {len(late) - MAX_LATE} autres.", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    pdf.set_y(-22)
    pdf.set_font("DejaVu", "", 7)
    pdf.set_text_color(74, 74, 74)
    notes = [n for n in summary.execution.notes if n.startswith("Lot en retard")]
    pdf.multi_cell(
        0,
        3.4,
        " ".join(notes)
        + " Retours à l'emploi durable (sens du FSE+, bénéficiaires du RSA) : CDI, CDD de 6 mois "
        "et plus, formation qualifiante, création d'entreprise. Propositions en attente : à "
        "valider, validées ou présentées. Barres : réalisées (foncé) sur engagées (clair). "
        f"Édité le {date.today().strftime('%d/%m/%Y')} par clausematch.",
    )
    return bytes(pdf.output())
