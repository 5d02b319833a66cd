"""Issue 21, finding 6: files checked for a web import wait in the service's private folder
(0700, files 0600), never the host's shared temporary folder, and go on confirmation,
cancellation, logout and after a delay."""

from __future__ import annotations

import os
import stat
import tempfile
from html import unescape
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from test_web_pages import OFFERS_CSV
from web_helpers import Login

from service.models.accounts import User


def _check(client: TestClient, token: str, body: str = OFFERS_CSV) -> str:
    resp = client.post(
        "/facilitateur/imports",
        data={"csrf_token": token, "type_fichier": "offres"},
        files={"fichier": ("offres.csv", body.encode("utf-8"), "text/csv")},
    )
    assert resp.status_code == 200, resp.text[-500:]
    return unescape(resp.text).split('name="empreinte" value="')[1].split('"')[0]


def _waiting(web_app: FastAPI) -> list[Path]:
    folder: Path = web_app.state.settings.uploads_dir
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_a_checked_file_waits_in_a_private_folder_and_goes_on_cancel(
    web_app: FastAPI, client: TestClient, facilitator: User, login: Login
) -> None:
    token = login(facilitator)
    digest = _check(client, token)
    [path] = [p for p in _waiting(web_app) if p.name.endswith(digest)]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    shared = Path(tempfile.gettempdir()) / "clausematch-web-imports"
    assert not any(p.name.endswith(digest) for p in shared.glob("*"))
    resp = client.post(
        "/facilitateur/imports/annuler",
        data={"csrf_token": token, "empreinte": digest, "type_fichier": "offres"},
    )
    assert resp.status_code == 200 and "Import annulé" in unescape(resp.text)
    assert not path.exists()
    gone = client.post(
        "/facilitateur/imports/confirmer",
        data={"csrf_token": token, "empreinte": digest, "type_fichier": "offres"},
    )
    assert gone.status_code == 422 and "introuvable" in unescape(gone.text)


def test_logout_removes_the_session_s_waiting_files(
    web_app: FastAPI, client: TestClient, facilitator: User, login: Login
) -> None:
    token = login(facilitator)
    digest = _check(client, token)
    assert any(p.name.endswith(digest) for p in _waiting(web_app))
    client.post("/deconnexion", data={"csrf_token": token})
    assert not any(p.name.endswith(digest) for p in _waiting(web_app))


def test_files_older_than_the_delay_are_purged_at_the_next_upload(
    web_app: FastAPI, client: TestClient, facilitator: User, login: Login
) -> None:
    token = login(facilitator)
    old = _check(client, token)
    [path] = [p for p in _waiting(web_app) if p.name.endswith(old)]
    limit_s = web_app.state.settings.uploads_max_age_minutes * 60
    past = path.stat().st_mtime - limit_s - 1
    os.utime(path, (past, past))
    other = OFFERS_CSV.replace("OE-WEB-1", "OE-WEB-9")
    new = _check(client, token, other)
    names = [p.name for p in _waiting(web_app)]
    assert not any(n.endswith(old) for n in names) and any(n.endswith(new) for n in names)
