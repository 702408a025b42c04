"""Security of the web service: CSRF, boroughs, session fixation and expiry, throttling, tokens."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from world import PASSWORD, World, later, login_csrf, sign_in

from patrolgate.api.services import SESSION_COOKIE
from patrolgate.server import create_app
from patrolgate.settings import Mode, Settings
from patrolgate.store.audit_repository import load_entries


def test_state_changes_without_the_right_csrf_token_are_refused(world: World) -> None:
    """Missing or wrong CSRF token on a form or a JSON call: 403, nothing written."""
    deployment = world.ready_deployment()
    client, token = world.signed_in("sfc.adams")
    url = f"/api/v1/deployments/{deployment}/authorise"
    missing = client.post(url, json={})
    wrong = client.post(url, json={}, headers={"X-CSRF-Token": token[:-2] + "xx"})
    form = client.post(f"/deployments/{deployment}/authorise", data={"csrf_token": "nope"})
    for response in (missing, wrong):
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == "CSRF check failed"
    assert form.status_code == 403
    assert client.get(f"/api/v1/deployments/{deployment}").json()["state"] == "submitted"
    right = client.post(url, json={}, headers={"X-CSRF-Token": token})
    assert right.status_code == 200


def test_sign_in_form_needs_its_own_csrf_token(world: World) -> None:
    """A sign-in posted from elsewhere (no double-submit cookie) is refused."""
    client = world.client()
    response = client.post("/login", data={"login": "analyst1", "password": PASSWORD})
    assert response.status_code == 403


def test_a_borough_commander_cannot_consult_for_another_borough(world: World) -> None:
    """Southwark's commander on a Lambeth deployment: refused, and the refusal is recorded."""
    deployment = world.ready_deployment(consult=False)
    client, token = world.signed_in("bc.southwark")
    response = client.post(
        f"/api/v1/deployments/{deployment}/consult",
        json={"outcome": "support", "notes": "Looks fine to me."},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 403
    assert "commander of an affected borough" in response.json()["detail"]
    page = client.get(f"/deployments/{deployment}")
    assert 'action="/deployments/' + deployment + '/consult"' not in page.text
    with world.database.sessions() as session:
        refusals = list(load_entries(session, deployment_id=deployment))
    assert refusals[-1].header.action == "refused"
    assert refusals[-1].header.actor == "bc.southwark"


def test_session_fixation_a_planted_cookie_never_becomes_a_session(world: World) -> None:
    """A session id set before sign-in is discarded; sign-in issues a new one."""
    client = world.client()
    client.cookies.set(SESSION_COOKIE, "attacker-chosen-id", domain="127.0.0.1")
    response = sign_in(client, "analyst1")
    assert response.status_code == 303
    issued = response.cookies.get(SESSION_COOKIE)
    assert issued and issued != "attacker-chosen-id"
    attacker = world.client()
    attacker.cookies.set(SESSION_COOKIE, "attacker-chosen-id", domain="127.0.0.1")
    assert attacker.get("/api/v1/me").status_code == 401


def test_signing_in_again_ends_the_previous_session(world: World) -> None:
    """The old session id stops working once its browser signs in again."""
    client = world.client()
    first = sign_in(client, "analyst1").cookies[SESSION_COOKIE]
    second = sign_in(client, "analyst1").cookies[SESSION_COOKIE]
    assert first != second
    stale = world.client()
    stale.cookies.set(SESSION_COOKIE, first, domain="127.0.0.1")
    assert stale.get("/api/v1/me").status_code == 401


def test_session_cookie_flags(world: World) -> None:
    """HttpOnly and SameSite always; Secure except over plain http to loopback."""
    header = sign_in(world.client(), "analyst1").headers["set-cookie"]
    assert "HttpOnly" in header
    assert "SameSite=lax" in header
    assert "Secure" not in header
    over_https = sign_in(TestClient(world.app, base_url="https://patrolgate.example"), "analyst1")
    assert "Secure" in over_https.headers["set-cookie"]
    plain_remote = TestClient(world.app, base_url="http://patrolgate.example").get("/login")
    assert "Secure" in plain_remote.headers["set-cookie"]


def test_sessions_expire_when_idle_and_after_their_lifetime(world: World) -> None:
    """30 minutes idle, or 8 hours in all, and the session is over."""
    client, _ = world.signed_in("analyst1")
    later(world, minutes=29)
    assert client.get("/api/v1/me").status_code == 200
    later(world, minutes=29)
    assert client.get("/api/v1/me").status_code == 200  # activity slid the idle timeout
    later(world, minutes=31)
    assert client.get("/api/v1/me").status_code == 401
    client, _ = world.signed_in("analyst1")
    for _ in range(17):
        later(world, minutes=29)
        client.get("/api/v1/me")
    assert client.get("/api/v1/me").status_code == 401


def test_sign_in_is_throttled_after_repeated_failures(world: World) -> None:
    """Five failures for a login from a browser it does not know: the next attempt waits a
    couple of seconds (429 with Retry-After), not a 15-minute lock."""
    client = world.client()
    for _ in range(5):
        assert sign_in(client, "sfc.adams", "wrong password!").status_code == 401
    throttled = sign_in(client, "sfc.adams")
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) == 2
    later(world, seconds=2)
    assert sign_in(client, "sfc.adams").status_code == 303


def test_unknown_users_fail_like_wrong_passwords(world: World) -> None:
    """No difference between an unknown login and a wrong password."""
    client = world.client()
    unknown = sign_in(client, "nobody", "whatever-password")
    wrong = sign_in(client, "analyst1", "whatever-password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]


def test_api_tokens_are_hashed_at_rest_and_stop_working_when_revoked(world: World) -> None:
    """A token acts as its user without CSRF; revoked, it is refused at once."""
    client, csrf = world.signed_in("proposer1")
    created = client.post("/api/v1/tokens", json={"name": "script"}, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201
    token = created.json()["token"]
    with world.database.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT secret_digest FROM account_tokens").scalars()
        assert all(token.split("_", 2)[2] not in value for value in stored)
    script = world.client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert script.get("/api/v1/me", headers=bearer).json()["login"] == "proposer1"
    revoked = client.delete(
        f"/api/v1/tokens/{created.json()['id']}", headers={"X-CSRF-Token": csrf}
    )
    assert revoked.json()["revoked_at"] is not None
    refused = script.get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


def test_another_users_token_cannot_be_revoked(world: World) -> None:
    """Only the owner or an administrator revokes a token."""
    owner, csrf = world.signed_in("proposer1")
    token_id = owner.post(
        "/api/v1/tokens", json={"name": "mine"}, headers={"X-CSRF-Token": csrf}
    ).json()["id"]
    other, other_csrf = world.signed_in("analyst1")
    response = other.delete(f"/api/v1/tokens/{token_id}", headers={"X-CSRF-Token": other_csrf})
    assert response.status_code == 404


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app cannot even be configured for production with the shipped secret."""
    monkeypatch.setenv("PATROLGATE_MODE", "production")
    monkeypatch.delenv("PATROLGATE_SECRET_KEY", raising=False)
    with pytest.raises(ValueError, match="PATROLGATE_SECRET_KEY"):
        create_app(Settings())


def test_production_cookies_are_secure_even_on_loopback(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In production every cookie is Secure."""
    services = world.app.state.services
    monkeypatch.setattr(
        services,
        "settings",
        services.settings.model_copy(update={"mode": Mode.PRODUCTION, "secret_key": "s" * 40}),
    )
    client = world.client()
    assert "Secure" in client.get("/login").headers["set-cookie"]
    assert login_csrf(client)


def test_production_refuses_a_weak_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-character, a repeated or a short secret: refused; 32 random bytes: accepted."""
    import secrets

    monkeypatch.setenv("PATROLGATE_MODE", "production")
    for weak in ("x", "s" * 40, "abcdefgh" * 8, secrets.token_urlsafe(24)):
        monkeypatch.setenv("PATROLGATE_SECRET_KEY", weak)
        with pytest.raises(ValueError, match="32 bytes of entropy"):
            Settings()
    for strong in (secrets.token_urlsafe(32), secrets.token_hex(32)):
        monkeypatch.setenv("PATROLGATE_SECRET_KEY", strong)
        assert Settings().secret_key == strong


def test_security_headers_on_every_response_errors_and_500s_included(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """404, 403, 422 and an unexpected 500 carry the headers; signed-in pages are no-store;
    production adds HSTS."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    client, _ = world.signed_in("oversight1")
    monkeypatch.setattr(world.app.state.services.workflow, "verify_audit", broken)
    quiet = TestClient(world.app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    quiet.cookies = client.cookies
    answers = {
        "404": client.get("/api/v1/nothing-here"),
        "403": client.post("/api/v1/tokens", json={"name": "x"}),
        "422": client.get("/transparency?month=never"),
        "500": quiet.get("/api/v1/audit/verify"),
        "page": client.get("/deployments"),
    }
    assert answers["500"].status_code == 500
    for name, response in answers.items():
        for header in ("x-content-type-options", "x-frame-options", "content-security-policy"):
            assert header in response.headers, (name, header)
        assert response.headers["cache-control"] == "no-store", name
        assert "strict-transport-security" not in response.headers
    assert "no-store" not in world.client().get("/transparency").headers.get("cache-control", "")
    services = world.app.state.services
    monkeypatch.setattr(
        services, "settings", services.settings.model_copy(update={"mode": Mode.PRODUCTION})
    )
    assert "max-age" in quiet.get("/api/v1/audit/verify").headers["strict-transport-security"]
    assert "max-age" in world.client().get("/transparency").headers["strict-transport-security"]


def test_the_audit_export_is_recorded_and_needs_the_csrf_token_from_a_browser(
    world: World,
) -> None:
    """A browser session must send X-CSRF-Token (the export writes its record); restricted
    text is withheld; a token needs no CSRF."""
    from tests.workflow.scenario import add_intel

    restricted = add_intel(world.workflow, world.clock, handling="C")
    client, csrf = world.signed_in("oversight1")
    assert client.get("/api/v1/audit/export").status_code == 403
    response = client.get("/api/v1/audit/export", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200
    lines = [__import__("json").loads(line) for line in response.text.splitlines()]
    added = next(r for r in lines if r["subject"] == f"intelligence:{restricted}")
    assert added["payload"]["text"].startswith("[withheld")
    assert "Retaliation" not in response.text.split(f"intelligence:{restricted}")[1][:2000]
    last = list(world.workflow.export_audit())[-1]
    assert (last["action"], last["actor"]) == ("audit.exported", "oversight1")


def test_the_published_head_is_public_and_signed(world: World) -> None:
    """Anyone may fetch the latest daily head; it verifies with the key it names."""
    from patrolgate.audit import SignedHead

    head = world.client().get("/api/v1/audit/published-head").json()
    del head["published_head"]
    assert SignedHead(**head).signature_valid()


def test_the_transparency_page_shows_the_signed_daily_head(world: World) -> None:
    """The public page names the signed head and the instance's key, and links to the JSON."""
    head = world.client().get("/api/v1/audit/published-head").json()
    page = world.client().get("/transparency").text
    assert 'data-testid="signed-head"' in page
    assert head["public_key"] in page and "/api/v1/audit/published-head" in page
