"""Access matrix over every endpoint of the routing side (inbox, review, agencies, lookup,
Open311) × every actor × the ticket states {routed to A, routed to B, unrouted,
re-routed A→B, denunciation routed to A}. Denials are 401/403/404 and never carry the
ticket's text or the caller's name and phone."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.factories.tickets import (
    ACTORS,
    AGENCY_A,
    AGENCY_B,
    AGENCY_C,
    CALLER_NAME,
    CALLER_PHONE,
    headers_for,
    make_ticket,
    marker,
    reroute,
)
from triage.app import create_app

STATES = ["routed_a", "routed_b", "unrouted", "rerouted_ab", "denounced_a"]
HOLDER = {"routed_a": AGENCY_A, "routed_b": AGENCY_B, "unrouted": None,
          "rerouted_ab": AGENCY_B, "denounced_a": AGENCY_A}
STAFF_AGENCY = {"staff_a": AGENCY_A, "staff_b": AGENCY_B}
TICKET_ROUTES: dict[str, tuple[str, str, dict[str, object] | None]] = {
    "inbox.detail": ("GET", "/api/v1/inbox/tickets/{code}", None),
    "inbox.acknowledge": ("POST", "/api/v1/inbox/tickets/{code}/acknowledge", None),
    "inbox.note": ("POST", "/api/v1/inbox/tickets/{code}/notes", {"note": "Đang xử lý."}),
    "inbox.resolve": ("POST", "/api/v1/inbox/tickets/{code}/resolve",
                      {"answer": "Đã xử lý xong."}),
    "inbox.reassign": ("POST", "/api/v1/inbox/tickets/{code}/reassign",
                       {"reason": "Không thuộc thẩm quyền."}),
    "review.accept": ("POST", "/api/v1/review/{code}/accept", None),
    "review.route": ("POST", "/api/v1/review/{code}/route", {"agency_code": AGENCY_C}),
    "review.reroute": ("POST", "/api/v1/review/{code}/reroute", {"agency_code": AGENCY_C}),
    "review.close": ("POST", "/api/v1/review/{code}/close", {"note": "Cuộc gọi thử."}),
    "review.conduct_kinds": ("POST", "/api/v1/review/{code}/conduct-kinds",
                             {"kinds": ["gay_kho_de"]}),
    "open311.request": ("GET", "/api/v1/open311/v2/requests/{code}.json", None),
    "open311.request_xml": ("GET", "/api/v1/open311/v2/requests/{code}.xml", None),
    "lookup": ("GET", "/api/v1/lookup?code={code}&phone_last4=4321", None),
}
# Routes without a ticket id, checked by test_collections_leak_nothing below.
COLLECTION_ROUTES = {
    ("GET", "/api/v1/inbox/tickets"), ("GET", "/api/v1/review/queue"),
    ("GET", "/api/v1/agencies"), ("GET", "/api/v1/agencies/{code}"),
    ("PUT", "/api/v1/agencies/{code}"), ("GET", "/api/v1/open311/v2/services.json"),
    ("GET", "/api/v1/open311/v2/services/{service_code}.json"),
    ("GET", "/api/v1/open311/v2/requests.json"), ("POST", "/api/v1/open311/v2/requests.json"),
    ("GET", "/api/v1/open311/v2/services.xml"),
    ("GET", "/api/v1/open311/v2/services/{service_code}.xml"),
    ("GET", "/api/v1/open311/v2/requests.xml"), ("POST", "/api/v1/open311/v2/requests.xml"),
    ("POST", "/api/v1/lookup"),
}
OWN_PREFIXES = ("/api/v1/inbox", "/api/v1/review", "/api/v1/agencies", "/api/v1/lookup",
                "/api/v1/open311")


def build(state: str) -> str:
    if state == "unrouted":
        return make_ticket()
    if state == "denounced_a":
        return make_ticket(agency=AGENCY_A, flags=["thai_do"])
    code = make_ticket(agency=AGENCY_B if state == "routed_b" else AGENCY_A)
    if state == "rerouted_ab":
        reroute(code, AGENCY_B)
    return code


def expected(route: str, actor: str, state: str) -> int:
    if route.startswith("inbox."):
        if actor == "anonymous":
            return 401
        if actor not in STAFF_AGENCY:
            return 403
        if HOLDER[state] != STAFF_AGENCY[actor]:
            return 404
        return 201 if route == "inbox.note" else 200
    if route.startswith("review."):
        if actor == "anonymous":
            return 401
        if actor not in ("operator", "supervisor", "admin"):
            return 403
        if route == "review.conduct_kinds":  # any state; only a conduct complaint has kinds
            return 200 if state == "denounced_a" else 422
        if state == "unrouted":
            return 409 if route == "review.reroute" else 200
        return 200 if route == "review.reroute" else 409
    return 200  # public: Open311 read and lookup


def test_every_route_is_in_the_matrix() -> None:
    paths = create_app(start_runtime=False).openapi()["paths"]
    found = {(method.upper(), _shape(path)) for path, item in paths.items()
             if path.startswith(OWN_PREFIXES) for method in item}
    listed = {(m, _shape(p.split("?")[0])) for m, p, _ in TICKET_ROUTES.values()} | {
        (m, _shape(p)) for m, p in COLLECTION_ROUTES}
    assert found == listed


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def check_cell(client: TestClient, headers: dict[str, str], actor: str, route: str,
               state: str) -> str | None:
    """One cell of the matrix; returns what went wrong, or None."""
    method, path, body = TICKET_ROUTES[route]
    code = build(state)
    r = client.request(method, path.format(code=code), headers=headers, json=body)
    want = expected(route, actor, state)
    if r.status_code != want:
        return f"{route} {state}: {r.status_code} != {want} {r.text[:200]}"
    private = [CALLER_NAME, CALLER_PHONE]
    if r.status_code >= 400 or route.startswith(("open311.", "lookup")):
        private.append(marker(code))
    if state == "denounced_a" and actor in STAFF_AGENCY:
        private += ["ấp 1", "xxx " + CALLER_PHONE[-3:], "L. T. H"]
    shows_caller = route == "inbox.detail" and r.status_code == 200 and state != "denounced_a"
    leaked = [part for part in private if part in r.text and not shows_caller]
    if leaked:
        return f"{route} {state}: leaks {leaked}"
    if route == "inbox.detail" and r.status_code == 200 and (
            marker(code) not in r.text or (CALLER_PHONE in r.text) is not shows_caller):
        return f"{route} {state}: detail lacks the text or shows the wrong caller data"
    return None


@pytest.mark.parametrize("actor", ACTORS)
def test_ticket_routes(client: TestClient, actor: str) -> None:
    """Each route × state on a fresh ticket (every action changes the ticket)."""
    headers = headers_for(actor)
    problems = [check_cell(client, headers, actor, route, state)
                for route in TICKET_ROUTES for state in STATES]
    assert [p for p in problems if p] == []


COLLECTIONS = {
    "/api/v1/inbox/tickets": {"staff_a": 200, "staff_b": 200, "anonymous": 401},
    "/api/v1/review/queue": {"operator": 200, "supervisor": 200, "admin": 200,
                             "anonymous": 401},
    "/api/v1/open311/v2/requests.json": dict.fromkeys(ACTORS, 200),
    "/api/v1/open311/v2/requests.xml": dict.fromkeys(ACTORS, 200),
    "/api/v1/agencies": {"anonymous": 401},
}


@pytest.mark.parametrize("actor", ACTORS)
def test_collections_leak_nothing(client: TestClient, actor: str) -> None:
    codes = {state: build(state) for state in STATES}
    codes["routed_a2"] = make_ticket(agency=AGENCY_A)
    holders = {**HOLDER, "routed_a2": AGENCY_A}
    headers = headers_for(actor)
    for path, table in COLLECTIONS.items():
        r = client.get(path, headers=headers)
        want = table.get(actor, 403 if path != "/api/v1/agencies" else 200)
        assert r.status_code == want, (path, r.text)
        assert CALLER_PHONE not in r.text and CALLER_NAME not in r.text
        if path == "/api/v1/inbox/tickets" and want == 200:
            mine = {s for s, holder in holders.items() if holder == STAFF_AGENCY[actor]}
            assert r.json()["total"] == len(mine)
            assert {i["code"] for i in r.json()["items"]} == {codes[s] for s in mine}
            for state, code in codes.items():
                assert (marker(code) in r.text) is (state in mine)
        elif path == "/api/v1/review/queue" and want == 200:
            assert r.json()["total"] == 1 and codes["unrouted"] in r.text
            assert marker(codes["routed_a"]) not in r.text
        else:
            assert all(marker(code) not in r.text for code in codes.values())
