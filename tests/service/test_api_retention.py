"""The API of retention runs, the audit log's export and chain check, and the transparency
documents: role-checked, audited, French errors that change nothing."""

from __future__ import annotations

import csv
import io

from factories import Actor, audit_entries, make_candidate
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.models.accounts import AuditEntry
from service.models.retention import RetentionRun


def test_a_dry_run_changes_nothing_then_a_run_is_recorded(
    client: TestClient, session: Session, admin: Actor, facilitator: Actor
) -> None:
    dry = client.post("/retention/runs", json={"dry_run": True}, headers=admin.headers)
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert body["dry_run"] is True and body["run_id"] is None
    labels = {c["category"]: c["label"] for c in body["categories"]}
    assert labels["anonymised"] == "Personnes anonymisées pour inactivité"
    assert session.scalar(select(func.count()).select_from(RetentionRun)) == 0
    assert [e.action for e in audit_entries(session, entity_type="retention_run")] == [
        "retention_dry_run"
    ]

    done = client.post("/retention/runs", json={}, headers=admin.headers).json()
    assert done["run_id"] is not None and done["audit_head_hash"]
    runs = client.get("/retention/runs", headers=facilitator.headers).json()
    assert [r["id"] for r in runs["items"]] == [done["run_id"]]
    assert runs["items"][0]["user_id"] == admin.id


def test_a_bad_run_request_is_refused_in_french(
    client: TestClient, session: Session, admin: Actor
) -> None:
    response = client.post("/retention/runs", json={"dry_run": "peut-être"}, headers=admin.headers)
    assert response.status_code == 422
    response = client.post("/retention/runs", json={"purge": True}, headers=admin.headers)
    assert response.status_code == 422
    assert session.scalar(select(func.count()).select_from(RetentionRun)) == 0
    assert audit_entries(session, entity_type="retention_run") == []


def test_the_export_escapes_formulas_and_filters(
    client: TestClient, session: Session, admin: Actor, coach: Actor
) -> None:
    person = make_candidate(session, coach=coach)
    client.get(f"/candidates/{person.id}", headers=coach.headers)
    session.add(
        AuditEntry(
            role="system",
            action='=HYPERLINK("x")',
            entity_type="+candidate",
            entity_id=None,
            detail=None,
        )
    )
    session.commit()
    response = client.get("/audit/export", headers=admin.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["n°", "id", "date (Paris)"]
    forged = [r for r in rows if "HYPERLINK" in r[5]]
    assert forged and forged[0][5] == '\'=HYPERLINK("x")' and forged[0][6] == "'+candidate"
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for c in r)

    only = client.get(
        "/audit/export",
        params={"entity_type": "candidate", "entity_id": person.id, "user_id": coach.id},
        headers=admin.headers,
    )
    lines = list(csv.reader(io.StringIO(only.content.decode("utf-8-sig")), delimiter=";"))
    assert len(lines) == 2 and lines[1][5] == "read" and lines[1][3] == coach.user.username
    exports = audit_entries(session, action="export", entity_type="audit_log")
    assert [e.user_id for e in exports] == [admin.id, admin.id]
    assert exports[1].detail == {
        "rows": 1,
        "filters": {
            "entity_id": str(person.id),
            "entity_type": "candidate",
            "user_id": str(coach.id),
        },
    }


def test_bad_export_filters_are_refused_and_not_audited(
    client: TestClient, session: Session, admin: Actor
) -> None:
    for params in (
        {"from": "2026-02-01T00:00:00"},
        {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        {"action": "DROP TABLE"},
    ):
        response = client.get("/audit/export", params=params, headers=admin.headers)
        assert response.status_code in (400, 422), params
    assert audit_entries(session, action="export") == []


def test_verify_names_the_first_broken_entry(
    client: TestClient, session: Session, admin: Actor, coach: Actor
) -> None:
    person = make_candidate(session, coach=coach)
    for _ in range(3):
        client.get(f"/candidates/{person.id}", headers=coach.headers)
    ok = client.get("/audit/verify", headers=admin.headers).json()
    assert ok["ok"] is True and ok["checked"] >= 3 and len(ok["head_hash"]) == 64
    target = audit_entries(session, action="read")[1]
    session.execute(update(AuditEntry).where(AuditEntry.id == target.id).values(entity_id=999_999))
    broken = client.get("/audit/verify", headers=admin.headers).json()
    assert broken["ok"] is False and broken["first_broken_seq"] == target.seq
    assert f"id {target.id}" in broken["first_broken"]


def test_transparency_documents_say_the_settings_periods(
    client: TestClient, facilitator: Actor, coach: Actor
) -> None:
    register = client.get("/transparency/register", headers=facilitator.headers).json()
    titles = [s["title"] for s in register["sections"]]
    assert "Durées de conservation" in titles and "Mesures de sécurité" in titles
    periods = next(s for s in register["sections"] if s["title"] == "Durées de conservation")
    assert any("anonymisé après 12 mois" in line for line in periods["lines"])
    notice = client.get("/transparency/notice", headers=coach.headers).json()
    text = " ".join(line for s in notice["sections"] for line in s["lines"])
    assert "averti 30 jours avant" in text and "CNIL" in text and "ne décide rien" in text
