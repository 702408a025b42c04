"""The live feed: ``POST /api/v1/events`` for a feed account's token, JSON or CSV batches."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from world import World

from patrolgate.accounts import Accounts
from patrolgate.store.tables import EventRow

#: Points inside the test world's Lambeth (a box at -0.13..-0.10, 51.44..51.47).
IN_LAMBETH = (51.455, -0.12)


def _feed_client(world: World, login: str = "feed1", role: str = "feed") -> TestClient:
    world.workflow.add_user("admin", login, role=role, rank="staff")
    token = Accounts(world.database).create_token(login, "records system")[0]
    client = world.client()
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def _events(n: int, *, prefix: str = "R", hour: int = 22) -> list[dict[str, Any]]:
    lat, lon = IN_LAMBETH
    return [
        {
            "id": f"{prefix}{i}",
            "time": f"2026-06-01T{hour}:{i % 60:02d}:00+01:00",
            "lat": lat,
            "lon": lon,
            "category": "Robbery",
        }
        for i in range(n)
    ]


def _stored(world: World) -> int:
    with world.database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(EventRow)) or 0)


def test_a_json_batch_is_stored_once_and_a_changed_row_is_a_conflict(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored; sent again, already stored (idempotent by id); changed, a conflict by row."""
    client = _feed_client(world)
    changed: list[int] = []
    picture = world.app.state.services.picture
    monkeypatch.setattr(picture, "events_changed", lambda: changed.append(1))
    answer = client.post("/api/v1/events", json={"events": _events(3)})
    assert answer.status_code == 200, answer.text
    assert answer.json() | {"problems": None, "warnings": None} == {
        "received": 3,
        "stored": 3,
        "already_stored": 0,
        "conflicting": 0,
        "rejected": 0,
        "problems": None,
        "warnings": None,
    }
    assert changed == [1]
    again = client.post("/api/v1/events", json={"events": _events(3)}).json()
    assert (again["stored"], again["already_stored"]) == (0, 3)
    assert changed == [1]  # nothing new: no refit
    moved = _events(3)
    moved[1]["time"] = "2026-06-01T23:59:00+01:00"
    third = client.post("/api/v1/events", json={"events": moved}).json()
    assert (third["stored"], third["already_stored"], third["conflicting"]) == (0, 2, 1)
    assert (
        third["problems"][0]["row"] == 3 and "different t_start" in third["problems"][0]["reason"]
    )
    assert _stored(world) == 3
    with world.database.sessions() as session:
        ids = set(session.scalars(select(EventRow.id)))
    assert ids == {"feed:feed1:R0", "feed:feed1:R1", "feed:feed1:R2"}


def test_a_csv_batch_names_its_bad_rows(world: World) -> None:
    """CSV with the importer's row messages; columns beyond the five are never read."""
    client = _feed_client(world)
    lat, lon = IN_LAMBETH
    body = (
        "id,time,lat,lon,category,name\n"
        f"C1,2026-06-01T22:00+01:00,{lat},{lon},Robbery,Marcus Okafor\n"
        f"C2,2026-06-01T22:05+01:00,x,{lon},Robbery,Aisha Begum\n"
        f"C3,2026-06-01T22:10+01:00,{lat},1_0,Robbery,John Smith\n"
        f"C4,9999-06-01T22:10+01:00,{lat},{lon},Robbery,Grace Adebayo\n"
    )
    answer = client.post("/api/v1/events", content=body, headers={"Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["received"], report["stored"], report["rejected"]) == (4, 1, 3)
    assert [(p["row"], p["field"]) for p in report["problems"]] == [
        (3, "lat"),
        (4, "lon"),
        (5, "time"),
    ]
    with world.database.engine.connect() as connection:
        everything = str(connection.exec_driver_sql("SELECT * FROM events").all())
        everything += str(connection.exec_driver_sql("SELECT * FROM import_runs").all())
    assert "Marcus" not in everything and "Okafor" not in everything


def test_place_types_are_fed_from_the_closed_list_only(world: World) -> None:
    """JSON and CSV batches may give each event a place type; one outside the list rejects
    its row (named), an empty one is none, and nothing else of the row is stored."""
    client = _feed_client(world)
    events = _events(4)
    events[0]["place_type"] = " Open Space "
    events[1]["place_type"] = "John's house"
    events[2]["place_type"] = None
    answer = client.post("/api/v1/events", json={"events": events})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["stored"], report["rejected"]) == (3, 1)
    [problem] = report["problems"]
    assert (problem["row"], problem["field"]) == (3, "place_type")
    assert "unknown place type" in problem["reason"]
    lat, lon = IN_LAMBETH
    body = (
        "id,time,lat,lon,category,place_type\n"
        f"P1,2026-06-01T21:00+01:00,{lat},{lon},Robbery,STREET\n"
        f"P2,2026-06-01T21:05+01:00,{lat},{lon},Robbery,\n"
        f"P3,2026-06-01T21:10+01:00,{lat},{lon},Robbery,the victim's flat\n"
    )
    answer = client.post("/api/v1/events", content=body, headers={"Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["stored"], report["rejected"]) == (2, 1)
    assert [(p["row"], p["field"]) for p in report["problems"]] == [(4, "place_type")]
    with world.database.sessions() as session:
        rows = session.execute(select(EventRow.id, EventRow.place_type)).all()
    stored = dict(rows)
    assert stored == {
        "feed:feed1:R0": "open space",
        "feed:feed1:R2": None,
        "feed:feed1:R3": None,
        "feed:feed1:P1": "street",
        "feed:feed1:P2": None,
    }


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ({"events": [{**_events(1)[0], "name": "John Smith"}]}, None, "name"),
        ({"events": []}, None, "at least 1"),
        ({"events": _events(10_001)}, None, "at most 10,000"),
        ("id,time,lat,lon,category\n" + "x,2026-01-01T00:00Z,51.45,-0.12,R\n" * 10_001,
         "text/csv", "at most 10,000 rows"),
        ("id,time,lat,lon,category\n"
         + "".join(f"x{i},2026-01-01T00:00Z,51.45,-0.12,{e}\n" for i, e in
                   enumerate(["White - British", "Black or Black British", "Mixed"] * 3)),
         "text/csv", "describes people"),
        ('{"events": [{"id": "a", "time": "t", "lat": NaN, "lon": 0, "category": "x"}]}',
         "application/json", "NaN is not a JSON number"),
    ],
)  # fmt: skip
def test_batches_that_cannot_be_fed_are_refused_whole(
    world: World, body: object, content_type: str | None, message: str
) -> None:
    """Extra fields, empty or oversized batches, people's ethnicity as a category: 422."""
    client = _feed_client(world)
    if content_type is None:
        answer = client.post("/api/v1/events", json=body)
    else:
        answer = client.post(
            "/api/v1/events", content=str(body), headers={"Content-Type": content_type}
        )
    assert answer.status_code == 422, answer.text
    assert message in answer.json()["detail"]
    assert _stored(world) == 0


def test_only_a_feed_accounts_token_may_feed(world: World) -> None:
    """An analyst's token, a feed account's browser session, nobody: refused."""
    analyst = _feed_client(world, login="analyst9", role="analyst")
    assert analyst.post("/api/v1/events", json={"events": _events(1)}).status_code == 403
    anonymous = world.client()
    assert anonymous.post("/api/v1/events", json={"events": _events(1)}).status_code == 401
    _feed_client(world, login="feed2")
    Accounts(world.database).set_password(None, "feed2", "correct horse battery")
    browser, csrf = world.signed_in("feed2")
    answer = browser.post(
        "/api/v1/events", json={"events": _events(1)}, headers={"X-CSRF-Token": csrf}
    )
    assert answer.status_code == 403
    assert _stored(world) == 0
