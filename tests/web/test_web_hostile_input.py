"""Issue 21 through the facilitator's pages: downloads carry no live formula, an import file
nested too deep or in UTF-16 gets the right French answer, a formula-like title is refused."""

from __future__ import annotations

import csv
import io
from html import unescape

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web_factories import make_lot
from web_helpers import Login

from service.kit.cells import is_formula_like
from service.models.accounts import User
from service.models.offers import Offer
from service.models.procurement import Buyer, Contract

OFFERS_CSV = (
    "Référence;Intitulé;Code ROME;Commune;Type de contrat;Durée hebdomadaire;Date de début;"
    "Durée;Nombre de postes;SIRET;Permis requis\n"
    "OE-WEB-21;Maçon H/F;F1703;Alençon;CDD;35;02/03/2027;6 mois;2;;B\n"
)


def _check(client: TestClient, token: str, data: bytes, name: str) -> tuple[int, str]:
    resp = client.post(
        "/facilitateur/imports",
        data={"csrf_token": token, "type_fichier": "offres"},
        files={"fichier": (name, data, "text/csv")},
    )
    return resp.status_code, unescape(resp.text)


def test_report_downloads_carry_no_formula(
    client: TestClient, session: Session, facilitator: User, login: Login
) -> None:
    lot = make_lot(session, trade="=1+2")
    contract = session.get(Contract, lot.contract_id)
    assert contract is not None
    buyer = session.get(Buyer, contract.buyer_id)
    assert buyer is not None
    buyer.name = '=HYPERLINK("http://x","y")'
    session.flush()
    login(facilitator)
    xlsx = client.get("/facilitateur/rapports/execution.xlsx")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert {"=1+2", '=HYPERLINK("http://x","y")'} <= {c.value for c in cells}
    text = client.get("/facilitateur/rapports/execution.csv").content.decode("utf-8-sig")
    values = [v for row in csv.reader(io.StringIO(text), delimiter=";") for v in row]
    # The page's CSV is the report's first table (the API's ``table=`` names the others).
    assert not [v for v in values if is_formula_like(v)]


def test_import_page_answers_hostile_files_in_french(
    client: TestClient, session: Session, facilitator: User, login: Login
) -> None:
    token = login(facilitator)
    status, page = _check(client, token, b"[" * 100_000 + b"]" * 100_000, "offres.json")
    assert status == 422 and "JSON trop imbriqué" in page
    status, page = _check(client, token, OFFERS_CSV.encode("utf-16"), "offres.csv")
    assert status == 200 and "rien n'est encore écrit" in page
    assert "n'est pas un fichier texte" not in page
    formula = OFFERS_CSV.replace("Maçon H/F", "=1+2 Maçon")
    status, page = _check(client, token, formula.encode(), "offres.csv")
    assert "ne peut pas commencer par « = »" in page
    assert session.scalar(select(func.count()).select_from(Offer)) == 0
