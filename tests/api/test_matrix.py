"""The authorisation matrix: every API route × every role (and anonymous), zero unexpected allows.

Each cell is exercised on a fresh deployment in the state the action needs, so a deny can
only come from who is asking. "allow" means a 2xx answer; "deny" means 401 or 403.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from world import World, scenario

from patrolgate.settings import Settings
from patrolgate.store import Database

#: The representative user of each role (None is anonymous).
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "analyst": "analyst1",
    "proposer": "proposer1",
    "borough-commander": "bc.lambeth",
    "tactical-commander": "tfc1",
    "strategic-commander": "sfc.cdr",  # commander rank: rarity escalation allows
    "community-officer": "community1",
    "oversight": "oversight1",
    "admin": "admin",
}
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
_TARGETS = itertools.count(1)
COMMANDERS = {"borough-commander", "tactical-commander", "strategic-commander"}

#: (method, path) -> the roles allowed. Every API route must appear here.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/me/csrf"): SIGNED_IN,
    ("PUT", "/api/v1/me/password"): SIGNED_IN,
    ("GET", "/api/v1/tokens"): SIGNED_IN,
    ("POST", "/api/v1/tokens"): SIGNED_IN,
    ("DELETE", "/api/v1/tokens/{token_id}"): SIGNED_IN,
    ("GET", "/api/v1/users"): SIGNED_IN,
    ("POST", "/api/v1/users"): frozenset({"admin"}),
    ("GET", "/api/v1/users/{login}/tokens"): frozenset({"admin"}),
    ("POST", "/api/v1/users/{login}/deactivate"): frozenset({"admin"}),
    ("POST", "/api/v1/users/{login}/activate"): frozenset({"admin"}),
    ("PUT", "/api/v1/users/{login}/password"): frozenset({"admin"}),
    ("GET", "/api/v1/events/summary"): SIGNED_IN,
    ("GET", "/api/v1/forecast"): SIGNED_IN,
    ("GET", "/api/v1/forecast/accuracy"): SIGNED_IN,
    ("GET", "/api/v1/areas"): SIGNED_IN,
    ("GET", "/api/v1/places"): SIGNED_IN,
    ("GET", "/api/v1/map/deployments"): SIGNED_IN,
    ("GET", "/api/v1/deployments"): SIGNED_IN,
    ("POST", "/api/v1/deployments"): frozenset(
        {"proposer", "tactical-commander", "borough-commander"}
    ),
    ("GET", "/api/v1/deployments/{deployment_id}"): SIGNED_IN,
    ("GET", "/api/v1/deployments/{deployment_id}/evaluation"): SIGNED_IN,
    ("POST", "/api/v1/deployments/{deployment_id}/submit"): frozenset({"proposer"}),
    ("POST", "/api/v1/deployments/{deployment_id}/consult"): frozenset(
        {"borough-commander", "community-officer"}
    ),
    ("POST", "/api/v1/deployments/{deployment_id}/impact-assessment"): frozenset(
        {"strategic-commander", "community-officer"}
    ),
    ("POST", "/api/v1/deployments/{deployment_id}/authorise"): frozenset({"strategic-commander"}),
    ("POST", "/api/v1/deployments/{deployment_id}/respond"): frozenset({"strategic-commander"}),
    ("POST", "/api/v1/deployments/{deployment_id}/pre-approve"): frozenset({"oversight"}),
    # The officer told (tfc1, a superintendent) records it; the authoriser (insp1) may too.
    ("POST", "/api/v1/deployments/{deployment_id}/record-notice"): frozenset(
        {"tactical-commander"}
    ),
    ("POST", "/api/v1/deployments/{deployment_id}/ratify"): frozenset({"strategic-commander"}),
    ("POST", "/api/v1/deployments/{deployment_id}/extend"): frozenset({"strategic-commander"}),
    ("POST", "/api/v1/deployments/{deployment_id}/revoke"): frozenset(
        {"strategic-commander", "tactical-commander"}
    ),
    ("POST", "/api/v1/deployments/{deployment_id}/complete"): frozenset(
        {"strategic-commander", "tactical-commander"}
    ),
    ("POST", "/api/v1/deployments/{deployment_id}/debrief"): frozenset({"proposer"} | COMMANDERS),
    ("GET", "/api/v1/inbox"): SIGNED_IN,
    ("GET", "/api/v1/intelligence"): SIGNED_IN,
    ("POST", "/api/v1/intelligence"): frozenset({"analyst", "proposer"}),
    # Reading a code C summary shows no text and writes nothing; revealing it is recorded.
    ("GET", "/api/v1/intelligence/{intel_id}"): SIGNED_IN,
    ("POST", "/api/v1/intelligence/{intel_id}/reveal"): SIGNED_IN
    - {"community-officer", "oversight", "admin"},
    ("GET", "/api/v1/profiles"): SIGNED_IN,
    ("GET", "/api/v1/profiles/{name}"): SIGNED_IN,
    ("POST", "/api/v1/profiles"): frozenset({"admin"}),
    ("GET", "/api/v1/audit/verify"): SIGNED_IN,
    ("GET", "/api/v1/audit/head"): SIGNED_IN,
    ("GET", "/api/v1/audit/published-head"): frozenset(ROLES),
    ("GET", "/api/v1/audit/export"): frozenset({"oversight", "admin"}),
    ("GET", "/api/v1/oversight/figures"): SIGNED_IN,
    # The live feed: a feed account's API token only, never a browser session of any role
    # (tests/api/test_routes_events.py covers the feed's own token).
    ("POST", "/api/v1/events"): frozenset(),
}


def _api_routes(app: Any) -> set[tuple[str, str]]:
    """Every operation of the OpenAPI document under /api/v1."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/v1/")
        for method in operations
    }


def _fixtures(world: World) -> dict[str, Callable[[], dict[str, Any]]]:
    """Per route, a fresh target and body (built as the setup users, not the caller)."""
    wf, clock = world.workflow, world.clock
    ia = scenario.impact_assessment().model_dump(mode="json")
    report = scenario.debrief().model_dump(mode="json")

    def submitted(pre_approved: bool = True, **kw: Any) -> str:
        # The matrix makes dozens of deployments in one ward: oversight lifts the rarity
        # ceiling for each (a commander's rank covers the escalation), so only who counts.
        deployment = scenario.ready_deployment(wf, clock, **kw)
        if pre_approved:
            wf.pre_approve("oversight1", deployment, reason="Matrix: the ceiling is not tested.")
        return deployment

    def objected() -> str:
        deployment = submitted(consult=False)
        wf.consult("bc.lambeth", deployment, outcome="object", notes="Objects to the period.")
        return deployment

    def notice_owed() -> str:
        clock.advance(days=30)  # an inspector authorises only below the s60 rarity limit
        deployment = submitted(profile="s60-statutory", assess=False)
        wf.authorise("insp1", deployment, grounds="Weapons carried in the ward tonight: s60(1)(b).")
        return deployment

    def active() -> str:
        deployment = submitted(start_in=0.001)
        wf.authorise(
            "sfc.dac",
            deployment,
            grounds="Reliable intelligence of imminent serious violence in this ward.",
        )
        clock.advance(minutes=1)
        return deployment

    def ended() -> str:
        deployment = active()
        wf.complete("sfc.dac", deployment, reason="Job done early.")
        return deployment

    def draft() -> str:
        intel = scenario.add_intel(wf, clock)
        start = clock.now + timedelta(hours=1)
        return wf.propose(
            "proposer1",
            profile="armed-patrol",
            start=start,
            end=start + timedelta(hours=10),
            trigger="imminent-intelligence",
            rationale=scenario.rationale(),
            area_codes=[scenario.WARD_L1],
            intelligence_ids=[intel],
            submit=False,
        )

    def urgent() -> str:
        clock.advance(days=100)  # beyond the rarity period: a chief inspector may act urgently
        deployment = submitted(trigger="serious-assault", consult=False, assess=False)
        wf.authorise(
            "tfc.ci",
            deployment,
            grounds="Reliable intelligence of imminent serious violence in this ward.",
        )
        wf.consult("bc.lambeth", deployment, outcome="support", notes="Supported afterwards.")
        wf.assess_impact("sfc.adams", deployment, scenario.impact_assessment())
        return deployment

    start = (clock.now + timedelta(hours=2)).isoformat()
    end = (clock.now + timedelta(hours=12)).isoformat()
    return {
        "submit": lambda: {"id": draft(), "body": {}},
        "consult": lambda: {
            "id": submitted(consult=False),
            "body": {"outcome": "support", "notes": "Fine."},
        },
        "impact-assessment": lambda: {"id": submitted(assess=False), "body": {"assessment": ia}},
        "authorise": lambda: {
            "id": submitted(),
            "body": {"grounds": "Reliable intelligence of imminent serious violence here."},
        },
        "respond": lambda: {
            "id": (d := objected()),
            "body": {
                "concerning": "objection",
                "consultation_id": wf.show_deployment("admin", d)["consultations"][0]["id"],
                "text": "Answered: the period is the shortest the threat allows.",
            },
        },
        "pre-approve": lambda: {
            "id": submitted(pre_approved=False),
            "body": {"reason": "Exceptional series of shootings; reviewed by the board."},
        },
        "record-notice": lambda: {"id": notice_owed(), "body": {"informed": "tfc1"}},
        "ratify": lambda: {"id": urgent(), "body": {}},
        "extend": lambda: {
            "id": (d := active()),
            "body": {"until": _end_plus(wf, d), "reason": "Threat persists."},
        },
        "revoke": lambda: {
            "id": submitted_and_authorised(wf, submitted),
            "body": {"reason": "No longer needed."},
        },
        "complete": lambda: {"id": active(), "body": {"reason": "Job done."}},
        "debrief": lambda: {"id": ended(), "body": {"report": report}},
        "evaluation": lambda: {"id": ended(), "body": None},
        "propose": lambda: {
            "body": {
                "profile": "armed-patrol",
                "start": start,
                "end": end,
                "trigger": "imminent-intelligence",
                "rationale": scenario.rationale().model_dump(mode="json"),
                "area_codes": [scenario.WARD_L1],
            }
        },
    }


def _end_plus(wf: Any, deployment: str) -> str:
    from datetime import datetime

    end = datetime.fromisoformat(wf.show_deployment("admin", deployment)["end"])
    return (end + timedelta(hours=6)).isoformat()


def submitted_and_authorised(wf: Any, submitted: Callable[..., str]) -> str:
    deployment = submitted()
    wf.authorise(
        "sfc.dac",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    return deployment


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """The matrix runs on SQLite only: it is about who, not where."""
    return f"sqlite:///{tmp_path / 'matrix.db'}"


def test_every_api_route_has_an_expectation(world: World) -> None:
    """A new route must be added to the matrix before it lands."""
    assert _api_routes(world.app) == set(EXPECTED)


def test_authorisation_matrix(world: World, settings: Settings, database: Database) -> None:
    """Every route × role: allowed ones answer 2xx, every other one 401 or 403."""
    fixtures = _fixtures(world)
    intel_c = scenario.add_intel(world.workflow, world.clock, handling="C")
    clients = {
        role: (world.signed_in(login) if login else (world.client(), ""))
        for role, login in ROLES.items()
    }
    unexpected: list[str] = []
    for (method, path), allowed in sorted(EXPECTED.items()):
        for role, (client, csrf) in clients.items():
            url, body = _request(world, fixtures, method, path, client, csrf)
            response = (
                client.request(
                    method,
                    url,
                    json=body if method in ("POST", "PUT") else None,
                    headers={"X-CSRF-Token": csrf} if csrf else {},
                    params=_params(path),
                )
                if "{intel_id}" not in path
                else client.request(
                    method,
                    url.replace("INTEL", intel_c),
                    headers={"X-CSRF-Token": csrf} if csrf else {},
                )
            )
            status = response.status_code
            if role in allowed and not 200 <= status < 300:
                unexpected.append(f"{role} {method} {path}: refused {status} {response.text[:160]}")
            if role not in allowed and status not in (401, 403):
                unexpected.append(f"{role} {method} {path}: ALLOWED {status}")
    assert unexpected == []


def _params(path: str) -> dict[str, Any]:
    if path.endswith("/places"):
        return {"lon": -0.12, "lat": 51.45}
    return {}


def _request(
    world: World,
    fixtures: dict[str, Callable[[], dict[str, Any]]],
    method: str,
    path: str,
    client: Any,
    csrf: str,
) -> tuple[str, Any]:
    if path == "/api/v1/deployments" and method == "POST":
        return path, fixtures["propose"]()["body"]
    if "{deployment_id}" in path and method == "POST":
        action = path.rsplit("/", 1)[1]
        made = fixtures[action]()
        return path.replace("{deployment_id}", made["id"]), made["body"]
    if "{deployment_id}" in path and path.endswith("/evaluation"):
        return path.replace("{deployment_id}", fixtures["evaluation"]()["id"]), None
    if "{deployment_id}" in path:
        return path.replace(
            "{deployment_id}", scenario.ready_deployment(world.workflow, world.clock)
        ), None
    if "{intel_id}" in path:
        return path.replace("{intel_id}", "INTEL"), None
    if "{login}" in path:
        login = f"target{next(_TARGETS)}"  # a fresh user per cell: no cell sees another's
        world.workflow.add_user("admin", login, role="analyst", rank="staff")
        body = {"password": "a long enough password"} if path.endswith("/password") else None
        return path.replace("{login}", login), body
    if "{name}" in path:
        return path.replace("{name}", "armed-patrol"), None
    if path == "/api/v1/profiles" and method == "POST":
        from patrolgate.policy import shipped_profile_text

        return path, {"text": shipped_profile_text("armed-patrol")}
    if "{token_id}" in path:
        token_id = _own_token(world, client, csrf)
        return path.replace("{token_id}", token_id or "tok_missing"), None
    if path == "/api/v1/users":
        return path, {
            "login": f"u{abs(hash(client)) % 10**8}",
            "role": "analyst",
            "rank": "staff",
            "password": "a long enough password",
        }
    if path == "/api/v1/tokens":
        return path, {"name": "matrix"}
    if path == "/api/v1/me/password":
        return path, {"current_password": scenario_password(), "password": scenario_password()}
    if path == "/api/v1/intelligence" and method == "POST":
        now = world.clock.now
        return path, {
            "area_codes": [scenario.WARD_L1],
            "valid_from": now.isoformat(),
            "valid_to": (now + timedelta(hours=5)).isoformat(),
            "source": 1,
            "assessment": "A",
            "handling": "P",
            "text": "Retaliation expected around the town centre tonight.",
        }
    return path, None


def _own_token(world: World, client: Any, csrf: str) -> str | None:
    if not csrf:
        return "tok_000000000000"
    made = client.post("/api/v1/tokens", json={"name": "to revoke"}, headers={"X-CSRF-Token": csrf})
    return str(made.json()["id"])


def scenario_password() -> str:
    """Changing the password to the same one keeps the other tests' sign-ins working."""
    from world import PASSWORD

    return PASSWORD
