"""/api/me: a person's follows, radar, library and exports — and never anyone else's.

Every /api/me route is called without credentials (401), and with a second person's session and
token (their own data only: another's ids are 404, another's rows unchanged).
"""

from __future__ import annotations

import bibtexparser
import pytest
from fastapi.testclient import TestClient

from app.web import me_api
from tests.support.accounts import sign_up


class Person:
    """A signed-in client and its CSRF header."""

    def __init__(self, app, email: str) -> None:
        self.client = TestClient(app)
        assert sign_up(self.client, email).status_code == 303
        self.headers = {"X-CSRF-Token": self.client.get("/api/me").json()["csrf_token"]}

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def send(self, method: str, path: str, **kwargs):
        return self.client.request(method, path, headers=self.headers, **kwargs)


@pytest.fixture
def ada(client, seeded) -> Person:
    return Person(client.app, "ada@example.org")


@pytest.fixture
def bob(client, seeded) -> Person:
    return Person(client.app, "bob@example.org")


def test_every_me_route_needs_credentials(client, seeded):
    routes = [
        (method, route.path)
        for route in me_api.router.routes
        for method in route.methods - {"HEAD"}
    ]
    assert len(routes) >= 14
    anonymous = TestClient(client.app)
    for method, path in routes:
        concrete = path.replace("{follow_id}", "1").replace("{public_id:path}", "2411.00001")
        answer = anonymous.request(method, concrete, json={"kind": "author", "value": "X"})
        assert answer.status_code == 401, (method, path, answer.status_code)
        bad_token = anonymous.request(
            method, concrete, headers={"Authorization": "Bearer ahp_nope"}
        )
        assert bad_token.status_code == 401, (method, path)


def test_follows_are_private_to_their_owner(ada, bob):
    made = ada.send("POST", "/api/me/follows", json={"kind": "author", "value": "Zichen Liu"})
    assert made.status_code == 201
    follow_id = made.json()["id"]
    assert [f["value"] for f in ada.get("/api/me/follows").json()["items"]] == ["Zichen Liu"]
    assert bob.get("/api/me/follows").json()["items"] == []
    assert bob.send("DELETE", f"/api/me/follows/{follow_id}").status_code == 404
    assert len(ada.get("/api/me/follows").json()["items"]) == 1
    assert ada.send("DELETE", f"/api/me/follows/{follow_id}").status_code == 204
    assert ada.get("/api/me/follows").json()["items"] == []


def test_cookie_writes_need_the_csrf_header(ada):
    refused = ada.client.post("/api/me/follows", json={"kind": "author", "value": "Zichen Liu"})
    assert refused.status_code == 403
    assert ada.get("/api/me/follows").json()["items"] == []
    put = ada.client.put("/api/me/library/2411.00001")
    assert put.status_code == 403


def test_a_bad_follow_is_a_400_with_a_message(ada):
    answer = ada.send("POST", "/api/me/follows", json={"kind": "planet", "value": "Mars"})
    assert answer.status_code == 400 and answer.json()["detail"]
    empty = ada.send("POST", "/api/me/follows", json={"kind": "keyword", "value": "  "})
    assert empty.status_code == 400


def test_the_library_is_private_and_exports_parse(ada, bob):
    assert (
        ada.send(
            "PUT", "/api/me/library/hep-th/9901001", json={"tags": ["strings"], "note": "read"}
        ).status_code
        == 200
    )
    assert ada.send("PUT", "/api/me/library/2411.00002").status_code == 200
    assert ada.send("PUT", "/api/me/library/9999.99999").status_code == 404
    mine = ada.get("/api/me/library").json()
    assert [i["id"] for i in mine["items"]] == ["2411.00002", "hep-th/9901001"]
    assert mine["items"][1]["tags"] == ["strings"] and mine["items"][1]["note"] == "read"
    assert bob.get("/api/me/library").json()["items"] == []
    assert bob.send("DELETE", "/api/me/library/2411.00002").status_code == 404
    assert len(ada.get("/api/me/library").json()["items"]) == 2
    bib = ada.get("/api/me/library.bib")
    assert bib.headers["content-type"].startswith("application/x-bibtex")
    entries = bibtexparser.parse_string(bib.text).entries
    assert {e.fields_dict["eprint"].value for e in entries} == {"2411.00002", "hep-th/9901001"}
    assert "TY  -" in ada.get("/api/me/library.ris").text
    assert bibtexparser.parse_string(bob.get("/api/me/library.bib").text).entries == []
    export = ada.get("/api/me/export.json").json()
    assert "ada@example.org" in str(export) and "bob@example.org" not in str(export)


def test_personal_tokens_reach_only_their_owner(ada, bob, client):
    ada.send("POST", "/api/me/follows", json={"kind": "keyword", "value": "strings"})
    page = ada.client.post(
        "/account/tokens", data={"csrf_token": ada.headers["X-CSRF-Token"], "purpose": "api"}
    )
    secret = page.text.split('<code class="secret">')[1].split("<")[0]
    anonymous = TestClient(client.app)
    auth = {"Authorization": f"Bearer {secret}"}
    assert anonymous.get("/api/me", headers=auth).json()["email"] == "ada@example.org"
    items = anonymous.get("/api/me/follows", headers=auth).json()["items"]
    assert [f["value"] for f in items] == ["strings"]
    # A token needs no CSRF header: no cookie is involved.
    assert (
        anonymous.post(
            "/api/me/follows", headers=auth, json={"kind": "category", "value": "hep-th"}
        ).status_code
        == 201
    )
    assert bob.get("/api/me/follows").json()["items"] == []


def test_the_radar_api_gives_reasons(ada, bob):
    ada.send("POST", "/api/me/follows", json={"kind": "author", "value": "Edward Witten"})
    radar = ada.get("/api/me/radar?day=2024-11-28").json()
    assert [i["id"] for i in radar["items"]] == ["hep-th/9901001"]
    assert radar["items"][0]["reasons"] == ["you follow Edward Witten"]
    assert bob.get("/api/me/radar?day=2024-11-28").json()["items"] == []
    assert ada.get("/api/me/radar?day=yesterday").status_code == 400
    assert ada.get("/api/me/radar?colour=red").status_code == 400


def test_follows_export_and_import_round_trip(ada, bob):
    ada.send("POST", "/api/me/follows", json={"kind": "author", "value": "Zichen Liu"})
    ada.send("POST", "/api/me/follows", json={"kind": "keyword", "value": "survey", "muted": True})
    exported = ada.get("/api/me/follows/export").json()
    imported = bob.send("POST", "/api/me/follows/import", json=exported)
    assert imported.status_code == 200 and imported.json() == {"added": 2, "already": 0}
    rules = {
        (f["kind"], f["value"], f["muted"]) for f in bob.get("/api/me/follows").json()["items"]
    }
    assert rules == {("author", "Zichen Liu", False), ("keyword", "survey", True)}
    broken = {**exported, "follows": [*exported["follows"], {"kind": "planet", "value": "Mars"}]}
    refused = ada.send("POST", "/api/me/follows/import", json=broken)
    assert refused.status_code == 400 and "follows[2]" in refused.json()["detail"]
    assert bob.send("POST", "/api/me/follows/import", content=b"{not json").status_code == 400
