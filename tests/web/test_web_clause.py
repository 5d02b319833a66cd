"""« Rédiger la clause » of a lot: the calculation, the preview, the .docx; French errors."""

from __future__ import annotations

import html
import io

from docx import Document
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web_factories import make_lot
from web_helpers import Login

from service.models.accounts import User


def test_clause_page_and_document(
    client: TestClient, login: Login, session: Session, facilitator: User
) -> None:
    lot = make_lot(session)
    login(facilitator)
    blank = client.get(f"/facilitateur/lots/{lot.id}/clause")
    assert blank.status_code == 200 and "Montant estimé du lot HT" in blank.text
    query = "montant=1+000+000&part=50&taux=5&cout=30"
    page = client.get(f"/facilitateur/lots/{lot.id}/clause?{query}")
    assert page.status_code == 200
    assert "1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h" in page.text
    assert "au moins 833 heures" in page.text
    document = client.get(f"/facilitateur/lots/{lot.id}/clause.docx?{query}")
    assert document.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(document.content)).paragraphs)
    assert "au moins 833 heures" in text
    bad = client.get(f"/facilitateur/lots/{lot.id}/clause?montant=beaucoup&part=50")
    assert bad.status_code == 422 and "n'est pas un nombre" in html.unescape(bad.text)
    over = client.get(f"/facilitateur/lots/{lot.id}/clause?montant=1000&part=150")
    assert over.status_code == 422 and "part de main-d'œuvre est une fraction" in html.unescape(
        over.text
    )


def test_clause_page_is_not_the_coachs(
    client: TestClient, login: Login, session: Session, coach: User
) -> None:
    lot = make_lot(session)
    login(coach)
    assert client.get(f"/facilitateur/lots/{lot.id}/clause").status_code == 403
