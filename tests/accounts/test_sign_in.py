"""Sign-in that cannot be turned against its owner (issue 14 item 5), through the browser form.

Growing delays rather than a lock; the owner's own browser never slowed by a stranger's
guesses; per-client limits on the real client; shared by every worker; failed attempts kept
as keyed hashes only; a failed attempt never ends the browser's valid session.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from world import PASSWORD, World, build_world, later, login_csrf, sign_in

from patrolgate.api.services import SESSION_COOKIE
from patrolgate.server import create_app
from patrolgate.settings import Settings
from patrolgate.store import Database, create_database

WRONG = "not the password"


@pytest.fixture
def world(settings: Settings, database: Database) -> World:
    """The app over the cast, every user with the test password."""
    return build_world(settings, database)


def client_from(world: World, address: str) -> TestClient:
    """A browser at ``address``."""
    return TestClient(world.app, base_url="http://127.0.0.1", client=(address, 50000))


def test_guesses_from_anywhere_do_not_lock_the_owner_out(world: World) -> None:
    """Ten wrong guesses from a stranger: the owner's own browser signs in at once, and a new
    browser of theirs waits seconds (growing delays), not a 15-minute lock."""
    owner = client_from(world, "198.51.100.7")
    assert sign_in(owner, "sfc.adams").status_code == 303  # a browser known to the account
    attacker = client_from(world, "203.0.113.66")
    answers = [sign_in(attacker, "sfc.adams", WRONG) for _ in range(10)]
    checked = [a.status_code for a in answers]
    assert checked[:5] == [401] * 5 and 429 in checked[5:]
    assert sign_in(owner, "sfc.adams").status_code == 303  # not slowed at all

    new_browser = client_from(world, "198.51.100.8")
    throttled = sign_in(new_browser, "sfc.adams")
    assert throttled.status_code == 429
    wait = int(throttled.headers["retry-after"])
    assert 1 <= wait <= 2  # the delay after 5 failures, not a lock
    later(world, seconds=wait)
    assert sign_in(new_browser, "sfc.adams").status_code == 303


def test_delays_grow_with_each_further_failure(world: World) -> None:
    """2 s after the fifth failure, 4 s after the sixth, 8 s after the seventh..."""
    attacker = client_from(world, "203.0.113.66")
    for _ in range(5):
        assert sign_in(attacker, "tfc1", WRONG).status_code == 401
    waits = []
    for _ in range(4):
        refused = sign_in(attacker, "tfc1", WRONG)
        assert refused.status_code == 429  # refused without checking: no failure counted
        waits.append(int(refused.headers["retry-after"]))
        later(world, seconds=waits[-1])
        assert sign_in(attacker, "tfc1", WRONG).status_code == 401
    assert waits == [2, 4, 8, 16]


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From 127.0.0.1, a changing X-Forwarded-For does not reset the per-client limit; from a
    configured proxy it names the client."""
    client = client_from(world, "127.0.0.1")
    for i in range(25):
        response = client.post(
            "/login",
            data={"login": f"nobody{i}", "password": WRONG, "csrf_token": login_csrf(client)},
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
            follow_redirects=False,
        )
    assert response.status_code == 429  # the 21st guess from one client waits
    services = world.app.state.services
    monkeypatch.setattr(
        services, "settings", services.settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    )
    fresh = client.post(
        "/login",
        data={"login": "nobody", "password": WRONG, "csrf_token": login_csrf(client)},
        headers={"X-Forwarded-For": "192.0.2.200, 127.0.0.1"},
        follow_redirects=False,
    )
    assert fresh.status_code == 401  # a different real client, checked


def test_a_failed_sign_in_never_ends_the_browsers_session(world: World) -> None:
    """Someone mistypes at a signed-in browser: the session stays."""
    client, _ = world.signed_in("analyst1")
    assert sign_in(client, "analyst1", WRONG).status_code == 401
    assert sign_in(client, "nobody-at-all", WRONG).status_code == 401
    assert client.get("/api/v1/me").json()["login"] == "analyst1"
    assert sign_in(client, "proposer1").status_code == 303  # a successful one replaces it
    assert client.get("/api/v1/me").json()["login"] == "proposer1"


def test_failed_sign_ins_keep_no_typed_name(world: World) -> None:
    """A password typed into the name field is stored nowhere: attempts and audit entries hold
    keyed hashes of the login and the client, and whether the login exists."""
    typed = "Hunter2-Secret-Passphrase"
    client = client_from(world, "203.0.113.9")
    sign_in(client, typed, WRONG)
    sign_in(client, "analyst1", WRONG)
    with world.database.engine.connect() as connection:
        stored = json.dumps(
            [
                [str(v) for v in row]
                for table in ("account_login_attempts", "audit_entries", "audit_payloads")
                for row in connection.execute(sqlalchemy.text(f"SELECT * FROM {table}"))
            ]
        )
        attempts = connection.execute(
            sqlalchemy.text("SELECT known_login FROM account_login_attempts ORDER BY id")
        ).all()
    assert typed.lower() not in stored.lower() and "203.0.113.9" not in stored
    assert [bool(a[0]) for a in attempts] == [False, True]
    failed = [e for e in world.workflow.export_audit() if e["action"] == "account.sign-in-failed"]
    assert [e["payload"]["known_login"] for e in failed] == [False, True]
    assert failed[0]["subject"] is None and failed[1]["subject"] == "user:analyst1"
    assert len(failed[0]["payload"]["login_key"]) == 64


def test_logins_are_matched_canonically_at_sign_in(world: World) -> None:
    """`ANALYST1 ` with a zero-width space is analyst1."""
    client = world.client()
    assert sign_in(client, " ANALYST1\u200b").status_code == 303
    assert client.get("/api/v1/me").json()["login"] == "analyst1"


@pytest.mark.parametrize("workers", [2])
def test_two_workers_never_check_more_guesses_than_the_limit(
    settings: Settings, database: Database, database_url: str, workers: int
) -> None:
    """Two apps (two workers' worth: separate engines, one database) and 12 simultaneous wrong
    guesses: exactly the 5 free ones are checked, the rest wait (SQLite and PostgreSQL)."""
    frozen = build_world(settings, database).security_now
    apps = [
        create_app(
            settings,
            database=create_database(database_url),
            security_clock=lambda: frozen[0],
            sweep_every=None,
        )
        for _ in range(workers)
    ]
    clients = [TestClient(app, base_url="http://127.0.0.1") for app in apps]
    tokens = [login_csrf(c) for c in clients]
    statuses: list[int] = []
    start = threading.Barrier(12)

    def guess(i: int) -> None:
        client = clients[i % workers]
        start.wait()
        response = client.post(
            "/login",
            data={"login": "sfc.adams", "password": WRONG, "csrf_token": tokens[i % workers]},
            follow_redirects=False,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401] * 5 + [429] * 7
    for app in apps:
        app.state.services.database.dispose()


def test_cookies_and_password_of_the_known_browser(world: World) -> None:
    """The known-browser cookie goes to /login only, HttpOnly, and names no account."""
    response = sign_in(world.client(), "analyst1")
    cookies = response.headers.get_list("set-cookie")
    known = next(c for c in cookies if c.startswith("pg_known_browser="))
    assert "Path=/login" in known and "HttpOnly" in known and "analyst1" not in known
    assert SESSION_COOKIE in " ".join(cookies)


def test_sign_in_runs_off_the_event_loop(world: World) -> None:
    """The argon2 check and its database work run on a worker thread."""
    seen: list[str] = []
    accounts = world.app.state.services.accounts
    original = accounts.sign_in

    def spy(*args: Any) -> Any:
        seen.append(threading.current_thread().name)
        return original(*args)

    accounts.sign_in = spy
    assert sign_in(world.client(), "analyst1", PASSWORD).status_code == 303
    assert seen and seen[0] != threading.main_thread().name
    assert not seen[0].startswith("AnyIO")  # the loop's own executor, not a request thread
