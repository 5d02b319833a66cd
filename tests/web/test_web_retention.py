"""Personal data pages: the audit log (admin only: filters, CSV export escaped, the chain
checked), retention (simulate changes nothing, apply records a run, CSRF), the record of
processing, and the information notice printed from a person's page (their coach and the
facilitator; another coach gets a 404)."""

from __future__ import annotations

import csv
import io
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from web_factories import make_candidate
from web_helpers import Login

from service.models.accounts import AuditEntry, User
from service.models.retention import RetentionRun


def _entries(session: Session, **where: object) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    return list(session.scalars(stmt))


def test_only_the_admin_sees_the_personal_data_pages(
    client: TestClient, coach: User, facilitator: User, login: Login
) -> None:
    for user in (coach, facilitator):
        login(user)
        for url in (
            "/admin/journal",
            "/admin/journal.csv",
            "/admin/conservation",
            "/admin/registre",
        ):
            assert client.get(url).status_code == 403, (user.role, url)
        client.cookies.clear()


def test_the_log_is_filtered_by_person_and_user_and_exported(
    client: TestClient, session: Session, admin: User, coach: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach)
    other = make_candidate(session, coach=coach)
    login(coach)
    client.get(f"/personnes/{person.id}")
    client.get(f"/personnes/{other.id}")
    client.cookies.clear()
    session.add(
        AuditEntry(
            role="system", action="-cmd", entity_type="@candidate", entity_id=None, detail=None
        )
    )
    session.commit()
    login(admin)
    page = unescape(client.get("/admin/journal").text)
    assert "Journal d'audit" in page and "@candidate" in page
    page = unescape(client.get("/admin/journal", params={"person": person.id}).text)
    assert f"candidate n° {person.id}" in page and f"candidate n° {other.id}" not in page
    page = unescape(
        client.get("/admin/journal", params={"person": person.id, "user_id": admin.id}).text
    )
    assert "Aucune entrée ne correspond" in page

    export = client.get("/admin/journal.csv", params={"person": person.id})
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert {r[7] for r in rows[1:]} == {str(person.id)}
    everything = client.get("/admin/journal.csv")
    rows = list(csv.reader(io.StringIO(everything.content.decode("utf-8-sig")), delimiter=";"))
    assert ["'-cmd", "'@candidate"] in [r[5:7] for r in rows]

    # The form sends its empty fields: no filter.
    empty = {k: "" for k in ("user_id", "action", "entity_type", "person", "du", "au")}
    assert client.get("/admin/journal", params=empty).status_code == 200
    assert client.get("/admin/journal.csv", params=empty).status_code == 200
    bad = client.get("/admin/journal", params={"du": "2026-13-01"})
    assert bad.status_code == 422 and "« 2026-13-01 » n'est pas une date" in unescape(bad.text)
    bad = client.get("/admin/journal", params={"person": "douze"})
    assert bad.status_code == 422 and "n'est pas un numéro" in unescape(bad.text)
    bad = client.get("/admin/journal", params={"du": "2026-03-01", "au": "2026-02-01"})
    assert bad.status_code == 422 and "est avant" in unescape(bad.text)
    assert [e.user_id for e in _entries(session, action="export")] == [admin.id] * 3


def test_the_page_checks_the_chain_and_names_the_broken_entry(
    client: TestClient, session: Session, admin: User, coach: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach)
    login(coach)
    client.get(f"/personnes/{person.id}")
    client.cookies.clear()
    login(admin)
    ok = unescape(client.get("/admin/journal", params={"verifier": 1}).text)
    assert "Chaîne intacte" in ok
    target = _entries(session, action="read", entity_id=person.id)[0]
    session.execute(update(AuditEntry).where(AuditEntry.id == target.id).values(action="lu"))
    broken = unescape(client.get("/admin/journal", params={"verifier": 1}).text)
    assert "Chaîne rompue" in broken and f"entrée n° {target.seq} (id {target.id}" in broken


def test_simulate_changes_nothing_and_apply_records_a_run(
    client: TestClient, session: Session, admin: User, login: Login
) -> None:
    token = login(admin)
    page = unescape(client.get("/admin/conservation").text)
    assert "anonymisé après 12 mois sans activité" in page
    assert "Aucune purge appliquée" in page
    resp = client.post("/admin/conservation", data={"csrf_token": token, "mode": "simuler"})
    assert resp.status_code == 200 and "Simulation : rien n'a été modifié." in unescape(resp.text)
    assert session.scalar(select(func.count()).select_from(RetentionRun)) == 0
    resp = client.post("/admin/conservation", data={"csrf_token": "faux", "mode": "appliquer"})
    assert resp.status_code == 403
    assert session.scalar(select(func.count()).select_from(RetentionRun)) == 0
    resp = client.post("/admin/conservation", data={"csrf_token": token, "mode": "effacer"})
    assert resp.status_code == 422
    resp = client.post("/admin/conservation", data={"csrf_token": token, "mode": "appliquer"})
    text = unescape(resp.text)
    [run] = session.scalars(select(RetentionRun)).all()
    assert f"Purge n° {run.id} appliquée." in text and run.user_id == admin.id


def test_the_register_page_is_printable(client: TestClient, admin: User, login: Login) -> None:
    login(admin)
    page = unescape(client.get("/admin/registre").text)
    for title in (
        "Finalités",
        "Bases légales",
        "Destinataires",
        "Durées de conservation",
        "Mesures de sécurité",
        "Décision automatisée",
    ):
        assert title in page
    assert "Ctrl + P" in page


def test_the_information_notice_from_a_persons_page(
    client: TestClient,
    session: Session,
    coach: User,
    other_coach: User,
    facilitator: User,
    login: Login,
) -> None:
    person = make_candidate(session, coach=coach, first_name="Hortense", last_name="Vaudry")
    login(coach)
    page = unescape(client.get(f"/personnes/{person.id}").text)
    assert f'href="/personnes/{person.id}/information"' in page
    notice = unescape(client.get(f"/personnes/{person.id}/information").text)
    assert "Remis à Hortense Vaudry" in notice
    for words in (
        "Vos droits",
        "Combien de temps",
        "anonymisé après 12 mois",
        "ne décide rien",
        "CNIL",
    ):
        assert words in notice
    client.cookies.clear()
    login(other_coach)
    assert client.get(f"/personnes/{person.id}/information").status_code == 404
    client.cookies.clear()
    login(facilitator)
    assert client.get(f"/personnes/{person.id}/information").status_code == 200
    assert [e.user_id for e in _entries(session, action="information_notice")] == [
        coach.id,
        facilitator.id,
    ]
