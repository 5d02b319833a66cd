"""/docs works offline: Swagger UI's files come from an installed package, served by the app."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_docs_are_served_from_local_files_only(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""", page.text)
    loaded = [a or b for a, b in urls]
    assert loaded, page.text
    # nothing from another host: every script, style sheet and the schema are on this app
    assert all(u.startswith("/") for u in loaded), loaded
    for url in loaded:
        resp = client.get(url)
        assert resp.status_code == 200, url
    js = client.get("/docs-assets/swagger-ui-bundle.js")
    assert js.headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert len(js.content) > 100_000
    assert client.get("/openapi.json").json()["info"]["title"] == "clausematch"
