"""Bounded work per request, tried as an attacker would: huge, deep, long and non-finite bodies
answer 4xx problem details at once, and the worker keeps answering ``/healthz``."""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from serving import Served
from world import World, build_world, scenario

from patrolgate.api.limits import DEFAULT_MAX_BODY_BYTES
from patrolgate.settings import Settings
from patrolgate.store import Database

TWO_MB = 2 * 1024 * 1024


def _headers(served: Served, length: int | None, extra: str = "") -> bytes:
    lines = [
        "POST /api/v1/deployments HTTP/1.1",
        f"Host: {served.host}:{served.port}",
        f"Authorization: Bearer {served.token}",
        "Content-Type: application/json",
        *([f"Content-Length: {length}"] if length is not None else []),
        *([extra] if extra else []),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _response(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one HTTP response (headers and a Content-Length body) from ``connection``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
    while len(body) < int(headers.get("content-length", "0")):
        body += connection.recv(65536)
    return int(status_line.split()[1]), headers, body


def _rationale_body(size: int) -> bytes:
    """A proposal whose rationale carries ``size`` bytes of text (the issue's 2 MB case)."""
    rationale = scenario.rationale().model_dump(mode="json")
    rationale["grounds"] = "x" * size
    return json.dumps(
        {
            "profile": "armed-patrol",
            "start": "2026-06-05T14:00:00+00:00",
            "end": "2026-06-06T10:00:00+00:00",
            "trigger": "imminent-intelligence",
            "rationale": rationale,
            "area_codes": [scenario.WARD_L1],
        }
    ).encode()


def test_a_2mb_body_is_refused_before_it_is_read(served: Served) -> None:
    """Declared at 2 MB, the body is refused (413 problem details) though only 64 kB of it
    was ever sent: nothing waited for it, parsed it or screened it; within 100 ms."""
    timings = []
    for _ in range(3):
        with socket.create_connection((served.host, served.port), timeout=10) as connection:
            started = time.perf_counter()
            connection.sendall(_headers(served, TWO_MB) + b'{"rationale": "' + b"x" * 65536)
            status, headers, body = _response(connection)
            timings.append(time.perf_counter() - started)
        assert status == 413
        assert headers["content-type"] == "application/problem+json"
        problem = json.loads(body)
        assert problem["status"] == 413
        assert f"{DEFAULT_MAX_BODY_BYTES:,} bytes" in problem["detail"]
        assert headers["x-content-type-options"] == "nosniff"  # security headers still on
    assert min(timings) < 0.1, timings


def test_a_2mb_rationale_sent_in_full_is_refused_and_healthz_answers(served: Served) -> None:
    """The whole 2 MB rationale sent as a client would: 413 at once, and ``/healthz``
    answers at once while it is being sent and refused."""
    body = _rationale_body(TWO_MB)
    answer: dict[str, Any] = {}

    def hostile() -> None:
        with socket.create_connection((served.host, served.port), timeout=30) as connection:
            started = time.perf_counter()
            connection.sendall(_headers(served, len(body)) + body)
            answer["status"], _, answer["body"] = _response(connection)
            answer["seconds"] = time.perf_counter() - started

    sender = threading.Thread(target=hostile)
    sender.start()
    health = []
    with socket.create_connection((served.host, served.port), timeout=30) as connection:
        for _ in range(5):
            started = time.perf_counter()
            connection.sendall(f"GET /healthz HTTP/1.1\r\nHost: {served.host}\r\n\r\n".encode())
            status, _, _ = _response(connection)
            health.append(time.perf_counter() - started)
            assert status == 200
    sender.join(timeout=30)
    assert not sender.is_alive()
    assert answer["status"] == 413, answer
    assert answer["seconds"] < 5, answer
    assert max(health) < 1.0, health


def test_a_body_without_a_length_is_cut_off_at_the_cap(served: Served) -> None:
    """Chunked, with no declared length: reading stops once the cap is passed (413) and the
    rest is never waited for."""
    chunk = b"x" * 65536
    sent = 0
    with socket.create_connection((served.host, served.port), timeout=10) as connection:
        connection.sendall(_headers(served, None, "Transfer-Encoding: chunked"))
        connection.sendall(b'f\r\n{"rationale": "\r\n')
        while sent <= DEFAULT_MAX_BODY_BYTES + len(chunk):
            connection.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sent += len(chunk)
        status, headers, body = _response(connection)
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["title"] == "Request too large"


@pytest.fixture
def proposer(settings: Settings, database: Database) -> tuple[World, TestClient, dict[str, str]]:
    """A proposer signed in through the browser form, and the CSRF header of the API."""
    world = build_world(settings, database)
    client, csrf = world.signed_in("proposer1")
    return world, client, {"X-CSRF-Token": csrf}


def _proposal(**area: Any) -> dict[str, Any]:
    return {
        "profile": "armed-patrol",
        "start": "2026-06-05T14:00:00+00:00",
        "end": "2026-06-06T10:00:00+00:00",
        "trigger": "imminent-intelligence",
        "rationale": scenario.rationale().model_dump(mode="json"),
        **area,
    }


def _square(*, nan: bool = False) -> dict[str, Any]:
    ring = [[-0.125, 51.445], [-0.12, 51.445], [-0.12, 51.45], [-0.125, 51.45], [-0.125, 51.445]]
    if nan:
        ring[1][0] = math.nan
    return {"type": "Polygon", "coordinates": [ring]}


def _assert_problem(response: Any, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert words in response.json()["detail"], response.json()


@pytest.mark.parametrize("depth", [40, 500, 900, 50_000])
def test_deeply_nested_geojson_is_invalid_input(
    proposer: tuple[World, TestClient, dict[str, str]], depth: int
) -> None:
    """Coordinates nested 40 to 50,000 deep: 422 problem details, never a 500."""
    _, client, csrf = proposer
    body = json.dumps(_proposal(geojson={"type": "Polygon", "coordinates": 0}))
    body = body.replace('"coordinates": 0', '"coordinates": ' + "[" * depth + "]" * depth)
    response = client.post(
        "/api/v1/deployments", content=body, headers={**csrf, "content-type": "application/json"}
    )
    _assert_problem(response, 422, "nests deeper than")


def test_a_nan_vertex_is_invalid_input(proposer: tuple[World, TestClient, dict[str, str]]) -> None:
    """``NaN`` (which Python's parser accepts, JSON does not) and ``1e999`` (infinity):
    422 problem details, never a 500."""
    _, client, csrf = proposer
    headers = {**csrf, "content-type": "application/json"}
    body = json.dumps(_proposal(geojson=_square(nan=True)))
    assert "NaN" in body
    _assert_problem(
        client.post("/api/v1/deployments", content=body, headers=headers),
        422,
        "not a JSON number",
    )
    infinite = body.replace("NaN", "1e999")
    _assert_problem(
        client.post("/api/v1/deployments", content=infinite, headers=headers),
        422,
        "not a finite number",
    )


def test_a_40000_vertex_area_is_invalid_input(
    proposer: tuple[World, TestClient, dict[str, str]],
) -> None:
    """40,000 vertices (under the body cap, written tersely): 422 naming the limit."""
    _, client, csrf = proposer
    n = 40_000
    ring = [
        [
            round(-0.12 + 0.004 * math.cos(2 * math.pi * i / n), 4),
            round(51.455 + 0.004 * math.sin(2 * math.pi * i / n), 4),
        ]
        for i in range(n)
    ]
    ring.append(ring[0])
    body = json.dumps(_proposal(geojson={"type": "Polygon", "coordinates": [ring]}))
    body = body.replace(", ", ",")
    assert len(body) < DEFAULT_MAX_BODY_BYTES
    response = client.post(
        "/api/v1/deployments", content=body, headers={**csrf, "content-type": "application/json"}
    )
    _assert_problem(response, 422, "10,000")


def test_a_20000_item_list_is_invalid_input(
    proposer: tuple[World, TestClient, dict[str, str]],
) -> None:
    """20,000 investigating officers, or 20,000 less intrusive options: 422, not stored."""
    world, client, csrf = proposer
    rationale = scenario.rationale().model_dump(mode="json")
    officers = {**rationale, "investigation": {"reference": "OP-1", "officers": ["pc"] * 20_000}}
    options = {
        **rationale,
        "less_intrusive_options": rationale["less_intrusive_options"] * 20_000,
    }
    for hostile in (officers, options):
        body = {**_proposal(area_codes=[scenario.WARD_L1]), "rationale": hostile}
        response = client.post("/api/v1/deployments", json=body, headers=csrf)
        assert 400 <= response.status_code < 500, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert world.workflow.list_deployments("sfc.adams") == []


def test_geojson_that_is_not_a_polygon_is_invalid_input(
    proposer: tuple[World, TestClient, dict[str, str]],
) -> None:
    """A collection inside a feature, a geometry collection, a point, a bare number, a ring
    of strings, a latitude of 900: each 422 problem details."""
    _, client, csrf = proposer
    hostile: list[Any] = [
        {"type": "Feature", "geometry": {"type": "FeatureCollection", "features": []}},
        {"type": "FeatureCollection", "features": [{"type": "FeatureCollection"}]},
        {"type": "GeometryCollection", "geometries": [{"type": "GeometryCollection"}]},
        {"type": "Point", "coordinates": [-0.12, 51.45]},
        {"type": "Polygon", "coordinates": [[["a", "b"]] * 4]},
        {"type": "Polygon", "coordinates": [[[-0.12, 900]] * 4]},
        {"type": "Polygon", "coordinates": [[[True, False]] * 4]},
        {"type": "MultiPolygon", "coordinates": 7},
    ]
    for geojson in hostile:
        response = client.post("/api/v1/deployments", json=_proposal(geojson=geojson), headers=csrf)
        assert response.status_code == 422, (geojson, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    good = client.post("/api/v1/deployments", json=_proposal(geojson=_square()), headers=csrf)
    assert good.status_code == 201, good.text


def _form(csrf: str, geojson: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "profile": "armed-patrol",
        "start": "2026-06-05T15:00",
        "end": "2026-06-06T11:00",
        "trigger": "imminent-intelligence",
        "geojson": geojson,
    }


def test_the_web_form_refuses_hostile_geojson(
    proposer: tuple[World, TestClient, dict[str, str]],
) -> None:
    """The propose form's drawn area nested 50,000 deep, or with a NaN: 4xx, never a 500."""
    _, client, csrf = proposer
    token = csrf["X-CSRF-Token"]
    nan = json.dumps(_square(nan=True))
    for drawn in ("[" * 50_000 + "]" * 50_000, nan):
        response = client.post("/deployments/new", data=_form(token, drawn))
        assert 400 <= response.status_code < 500, response.text[:300]
