"""The facilitator's hours pages: a timesheet uploaded, checked, confirmed; the month grid,
saved cell by cell (the script's endpoint) or whole (without JavaScript), French errors beside
the cell."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_factories import make_candidate, make_lot
from web_helpers import Login, csrf_of

from service.models.accounts import User
from service.models.procurement import Lot
from service.models.workflow import Placement, PlacementHours


@pytest.fixture
def placed(session: Session, coach: User) -> tuple[Lot, Placement]:
    lot = make_lot(session)
    person = make_candidate(
        session, coach=coach, external_id="P-WEB-1", first_name="Zoé", last_name="Lambert"
    )
    placement = Placement(
        candidate_id=person.id,
        lot_id=lot.id,
        delivery_mode="direct_hire",
        contract_type="CDD",
        start_date=date(2026, 2, 10),
        end_date=date(2026, 6, 30),
    )
    session.add(placement)
    session.flush()
    return lot, placement


def _hours(session: Session, placement: Placement) -> dict[date, float]:
    session.expire_all()
    rows = session.scalars(
        select(PlacementHours).where(PlacementHours.placement_id == placement.id)
    ).all()
    return {h.month: h.hours for h in rows}


def test_timesheet_upload_check_confirm(
    client: TestClient,
    login: Login,
    session: Session,
    facilitator: User,
    placed: tuple[Lot, Placement],
) -> None:
    lot, placement = placed
    token = login(facilitator)
    page = client.get("/facilitateur/heures")
    assert page.status_code == 200 and "Relevés d'heures" in page.text
    data = f"Identifiant de suivi;Nom;Lot;Mois;Heures\nP-WEB-1;Lambert;{lot.reference};03/2026;151,67\n"
    check = client.post(
        "/facilitateur/heures/releve",
        data={"csrf_token": token},
        files={"fichier": ("releve.csv", data.encode(), "text/csv")},
    )
    assert check.status_code == 200, check.text
    assert "rien n'est encore écrit" in check.text and "151,67" in check.text
    assert _hours(session, placement) == {}
    digest = check.text.split('name="empreinte" value="')[1].split('"')[0]
    done = client.post(
        "/facilitateur/heures/releve/confirmer",
        data={"csrf_token": csrf_of(check.text), "empreinte": digest, "nom": "releve.csv"},
    )
    assert done.status_code == 200 and "Relevé appliqué : 1 mois déclaré(s)" in done.text
    assert _hours(session, placement) == {date(2026, 3, 1): 151.67}


def test_timesheet_refused_with_line_errors(
    client: TestClient,
    login: Login,
    session: Session,
    facilitator: User,
    placed: tuple[Lot, Placement],
) -> None:
    lot, placement = placed
    token = login(facilitator)
    data = f"Identifiant de suivi;Lot;Mois;Heures\nP-WEB-1;{lot.reference};03/2026;300\n"
    refused = client.post(
        "/facilitateur/heures/releve",
        data={"csrf_token": token},
        files={"fichier": ("releve.csv", data.encode(), "text/csv")},
    )
    assert refused.status_code == 422
    assert "Relevé d&#39;heures refusé, rien n&#39;a été importé" in refused.text
    assert "plus que le plafond de 220 h" in refused.text
    assert _hours(session, placement) == {}


def test_month_grid_cell_and_whole_form(
    client: TestClient,
    login: Login,
    session: Session,
    facilitator: User,
    placed: tuple[Lot, Placement],
) -> None:
    lot, placement = placed
    token = login(facilitator)
    url = f"/facilitateur/heures/grille?marche={lot.contract_id}&depuis=2026-01"
    grid = client.get(url)
    assert grid.status_code == 200, grid.text
    assert "Zoé Lambert" in grid.text and f'name="h-{placement.id}-2026-03"' in grid.text
    # 2026-01 is before the placement: no input there.
    assert f'name="h-{placement.id}-2026-01"' not in grid.text
    cell = client.post(
        "/facilitateur/heures/cellule",
        data={"csrf_token": token, "placement_id": placement.id, "mois": "2026-03", "heures": "80"},
    )
    assert cell.status_code == 200 and cell.json() == {"ok": True, "hours": 80.0, "row_total": 80.0}
    with_scope = client.post(
        "/facilitateur/heures/cellule",
        data={
            "csrf_token": token,
            "placement_id": placement.id,
            "mois": "2026-05",
            "heures": "20",
            "marche": str(lot.contract_id),
        },
    )
    assert with_scope.json()["month_total"] == 20.0
    too_many = client.post(
        "/facilitateur/heures/cellule",
        data={
            "csrf_token": token,
            "placement_id": placement.id,
            "mois": "2026-04",
            "heures": "221",
        },
    )
    assert too_many.status_code == 422 and "plafond de 220 h" in too_many.json()["error"]
    not_number = client.post(
        "/facilitateur/heures/cellule",
        data={"csrf_token": token, "placement_id": placement.id, "mois": "2026-04", "heures": "x"},
    )
    assert not_number.status_code == 422 and "n'est pas un nombre" in not_number.json()["error"]
    assert _hours(session, placement) == {date(2026, 3, 1): 80.0, date(2026, 5, 1): 20.0}
    # Without JavaScript: the whole grid, one good cell and one refused, shown beside it.
    whole = client.post(
        "/facilitateur/heures/grille",
        data={
            "csrf_token": token,
            "marche": str(lot.contract_id),
            "entreprise": "",
            "depuis": "2026-01",
            f"h-{placement.id}-2026-03": "80",
            f"h-{placement.id}-2026-04": "100,5",
            f"h-{placement.id}-2026-05": "500",
        },
    )
    assert whole.status_code == 422
    assert "1 case(s) refusée(s)" in whole.text and "plafond de 220 h" in whole.text
    assert 'value="500"' in whole.text  # what was typed stays in the cell
    assert _hours(session, placement) == {
        date(2026, 3, 1): 80.0,
        date(2026, 4, 1): 100.5,
        date(2026, 5, 1): 20.0,
    }
    bad_month = client.post(
        "/facilitateur/heures/grille",
        data={"csrf_token": token, "marche": str(lot.contract_id), "depuis": "hier"},
    )
    assert bad_month.status_code == 422 and "n&#39;est pas un mois" in bad_month.text
    template = client.get(f"/facilitateur/heures/modele.xlsx?marche={lot.contract_id}")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    no_scope = client.get("/facilitateur/heures/grille")
    assert no_scope.status_code == 422 and "choisissez un marché" in no_scope.text


def test_hours_pages_are_the_facilitators(client: TestClient, login: Login, coach: User) -> None:
    login(coach)
    assert client.get("/facilitateur/heures").status_code == 403
    assert client.get("/facilitateur/heures/grille?marche=1").status_code == 403
