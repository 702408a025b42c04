"""Every hole of issue 12, tried through the command line, the JSON API and the web form
alike, per profile where the rules differ, on SQLite and PostgreSQL.

The setting-up (areas, users, intelligence, other deployments) goes through the services
directly; the attempt under test goes through the interface under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.workflow.interfaces import LONDON, Api, Cli, Form, Outcome, World
from tests.workflow.scenario import (
    CRITERIA,
    LAMBETH,
    SOUTHWARK,
    WARD_L1,
    add_intel,
    debrief,
    impact_assessment,
    rationale,
    ready_deployment,
)

from patrolgate.intelligence import Grading, IntelligenceSummary
from patrolgate.oversight import parse_month, transparency_report
from patrolgate.oversight.automatic_evaluation import evaluate_due
from patrolgate.policy import load_profile, shipped_profile_text
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.workflow_tables import DeploymentEvaluationRow
from patrolgate.timekeeping import parse_time
from patrolgate.workflow.documents import ResidualRisk
from patrolgate.workflow.rules import ordinal

Interface = Cli | Api | Form
PROFILES = ["armed-patrol", "s60-statutory", "s60-strict", "dispersal-s34"]
#: Per profile: who authorises at the profile's minimum rank, and at its escalated rank.
AUTHORISERS = {
    "armed-patrol": ("sfc.adams", "sfc.cdr"),
    "s60-statutory": ("insp1", "tfc1"),
    "s60-strict": ("sfc.cdr", "sfc.dac"),
    "dispersal-s34": ("insp1", "tfc1"),
}
GROUNDS = "Graded intelligence (1A) says serious violence is imminent in this ward tonight."


@pytest.fixture
def world(settings: Settings, database: Database) -> World:
    """The service over two boroughs and the cast, everyone with the test password."""
    from world import build_world

    return build_world(settings, database, passwords=False)


@pytest.fixture(params=["cli", "api", "form"])
def via(
    request: pytest.FixtureRequest, world: World, database_url: str, tmp_path: Path
) -> Iterator[Interface]:
    """Each way in: the command line, the JSON API, the browser's forms."""
    if request.param == "cli":
        yield Cli(world, database_url, tmp_path)
    elif request.param == "api":
        yield Api(world)
    else:
        yield Form(world)


@pytest.fixture(params=PROFILES)
def profile_name(request: pytest.FixtureRequest) -> str:
    """Each shipped profile."""
    return str(request.param)


def proposal(
    world: World, power: str, start_in: float = 1, hours: float = 4, **changes: Any
) -> dict[str, Any]:
    """The fields of a lawful proposal in Lambeth's first ward, with fresh intelligence."""
    intel = add_intel(world.workflow, world.clock, hours=24 * 5)
    start = world.clock.now + timedelta(hours=start_in)
    fields: dict[str, Any] = {
        "profile": power,
        "start": start,
        "end": start + timedelta(hours=hours),
        "trigger": "imminent-intelligence",
        "rationale": rationale(
            criterion=CRITERIA[power], rights_consideration="Protest and assembly respected."
        ),
        "area_codes": [WARD_L1],
        "intelligence_ids": [intel],
    }
    fields.update(changes)
    return fields


def ready(world: World, profile: str, **changes: Any) -> str:
    """A submitted deployment with every step done, made through the services."""
    return ready_deployment(world.workflow, world.clock, profile=profile, **changes)


def authorise(via: Interface, login: str, deployment: str, **fields: Any) -> Outcome:
    """An authorisation through the interface under test, with grounds unless given."""
    return via.act(login, "authorise", deployment, {"grounds": GROUNDS, **fields})


def view(world: World, deployment: str) -> dict[str, Any]:
    """The deployment as oversight reads it."""
    return world.workflow.show_deployment("oversight1", deployment)


def actions(world: World, deployment: str) -> list[str]:
    """The audit actions recorded for a deployment."""
    return [t["action"] for t in view(world, deployment)["timeline"]]


# Custom profile files -------------------------------------------------------------------


NOT_PROFILES = ["/etc", "../x.toml", "/etc/passwd", "profiles/s60-statutory.toml", "s61", "S60 "]


def test_a_proposal_names_an_installed_profile_never_a_path(
    world: World, via: Interface, tmp_path: Path
) -> None:
    """Paths and unknown names are refused as invalid or not found; none is ever read."""
    planted = tmp_path / "s60-statutory.toml"
    planted.write_text(shipped_profile_text("s60-statutory").replace("inspector", "sergeant"))
    for given in [*NOT_PROFILES, str(planted)]:
        outcome = via.propose("proposer1", proposal(world, "s60-statutory", profile=given))
        assert outcome.status in ("invalid", "not-found"), (given, outcome)
    assert world.workflow.list_deployments("oversight1") == []


def test_only_an_administrator_installs_a_profile(
    world: World, via: Interface, tmp_path: Path
) -> None:
    """A sergeant's own "s60-statutory" is refused; an administrator's is a new version,
    recorded on the deployments decided under it, with its hash."""
    text = shipped_profile_text("s60-statutory").replace(
        'min_rank = "inspector"', 'min_rank = "sergeant"', 1
    )
    file = tmp_path / "s60-statutory.toml"
    file.write_text(text)
    before = ready(world, "s60-statutory", assess=False)
    if isinstance(via, Cli):
        refused = via.run("profile", "install", str(file), "--as", "sgt1")
        installed = via.run("profile", "install", str(file), "--as", "admin", "--format", "json")
    else:
        client, csrf = via.client("sgt1")
        refused = via.outcome(
            client.post("/api/v1/profiles", json={"text": text}, headers={"X-CSRF-Token": csrf})
        )
        admin, admin_csrf = via.client("admin")
        installed = via.outcome(
            answer := admin.post(
                "/api/v1/profiles", json={"text": text}, headers={"X-CSRF-Token": admin_csrf}
            )
        )
        installed.value = answer.json() if installed.ok else None
        if isinstance(via, Form):  # no page installs a profile: no form can
            page = client.post("/profiles", data={"csrf_token": csrf, "text": text})
            assert via.outcome(page).status == "not-found"
    assert refused.status == "refused", refused
    assert installed.ok and installed.value["version"] == 2, installed
    after = via.propose("proposer1", proposal(world, "s60-statutory"))
    assert after.ok, after
    old, new = view(world, before), view(world, after.value)
    assert (old["profile_version"], new["profile_version"]) == (1, 2)
    assert new["profile_sha256"] == installed.value["sha256"] != old["profile_sha256"]
    # The sergeant may now hold the rank the administrator's profile names: on the record.
    installs = [e for e in world.workflow.export_audit() if e["action"] == "profile.installed"]
    assert [e["actor"] for e in installs] == ["admin"]


# Rarity by ordering and concurrency -----------------------------------------------------


def test_a_later_deployment_counts_too(world: World, via: Interface, profile_name: str) -> None:
    """Authorise the later ones first: the earlier one still counts them, per borough and
    power, and needs the escalated rank (and tells oversight)."""
    base, senior = AUTHORISERS[profile_name]
    limit = load_profile(profile_name).rarity.max_deployments
    horizon = load_profile(profile_name).requirements.start_within_hours or 24
    other = "s60-statutory" if profile_name != "s60-statutory" else "dispersal-s34"
    world.workflow.authorise(AUTHORISERS[other][1], ready(world, other), grounds=GROUNDS)
    for _ in range(limit):
        later = ready(world, profile_name, start_in=horizon - 2, hours=1)
        world.workflow.pre_approve("oversight1", later, reason="Ceiling not under test here.")
        world.workflow.authorise(senior, later, grounds=GROUNDS)
    earlier = ready(world, profile_name, start_in=1, hours=1)
    refused = authorise(via, base, earlier)
    # The later ones count; the other power's does not (it would make one more).
    counted = f"this would be the {ordinal(limit + 1)} {load_profile(profile_name).noun} in"
    assert refused.status == "refused" and counted in refused.detail, refused
    world.workflow.pre_approve("oversight1", earlier, reason="Ceiling not under test here.")
    assert authorise(via, senior, earlier).ok
    shown = view(world, earlier)
    assert shown["escalated"] and f"the {limit + 1}" in shown["escalation_reason"]
    assert "oversight.notified" in actions(world, earlier)


def test_same_period_deployments_all_need_escalation(world: World, via: Interface) -> None:
    """Five s60 authorisations for the same hours against a limit of 3: at inspector rank,
    none passes (each counts the others pending); a superintendent's pass, notified."""
    pending = [ready(world, "s60-statutory", start_in=2, hours=6) for _ in range(5)]
    for deployment in pending:
        refused = authorise(via, "insp1", deployment)
        assert refused.status == "refused" and "5th s60 authorisation" in refused.detail
    for deployment in pending:
        assert authorise(via, "tfc1", deployment).ok
        assert view(world, deployment)["escalated"]


def test_soon_and_small(world: World, via: Interface, profile_name: str) -> None:
    """An "imminent" deployment six months ahead is refused at proposal; so is an area
    wider than the profile's ceiling (both boroughs, 13.9 km², are wider than any allows)."""
    outcome = via.propose("proposer1", proposal(world, profile_name, start_in=24 * 182))
    assert outcome.status == "refused" and "must start within" in outcome.detail, outcome
    fields = proposal(world, profile_name, area_codes=[LAMBETH, SOUTHWARK])
    outcome = via.propose("proposer1", fields)
    assert outcome.status == "refused" and "smallest area necessary" in outcome.detail, outcome
    assert world.workflow.list_deployments("oversight1") == []


def test_beyond_the_ceiling_only_oversight_pre_approval(world: World, via: Interface) -> None:
    """armed-patrol: a third patrol in 90 days is refused even to a deputy assistant
    commissioner until oversight records its pre-approval, an act of its own."""
    for _ in range(2):
        world.workflow.authorise("sfc.dac", ready(world, "armed-patrol"), grounds=GROUNDS)
    third = ready(world, "armed-patrol")
    refused = authorise(via, "sfc.dac", third)
    assert refused.status == "refused" and "pre-approval" in refused.detail, refused
    mine = {"reason": "A commander cannot lift the ceiling."}
    assert via.act("sfc.dac", "pre-approve", third, mine).status == "refused"
    approved = via.act("oversight1", "pre-approve", third, {"reason": "Board reviewed the series."})
    assert approved.ok, approved
    assert authorise(via, "sfc.dac", third).ok
    assert actions(world, third)[-3:] == [
        "oversight.pre-approved",
        "deployment.authorised",
        "oversight.notified",
    ]


# Two time parsers -----------------------------------------------------------------------


TIMES = [
    # 24 elapsed hours across the October change: 20:00 to 19:00 GMT next day.
    ("2026-10-24T20:00", "2026-10-25T19:00", "ok"),
    # 24 hours by the wall clock across the October change are 25 elapsed: refused.
    ("2026-10-24T20:00", "2026-10-25T20:00", "refused"),
    # 24 elapsed hours across the March change end at 21:00 BST: accepted.
    ("2026-03-28T20:00", "2026-03-29T21:00", "ok"),
    # 01:30 on 29 March does not exist in London.
    ("2026-03-29T01:30", "2026-03-29T10:00", "invalid"),
    # 01:30 on 25 October happens twice.
    ("2026-10-25T01:30", "2026-10-25T10:00", "invalid"),
]


def test_one_time_parser_on_every_path(world: World, via: Interface) -> None:
    """The CLI and the form read local times alike; the API takes explicit offsets (a
    naive time, which would need a guess, is refused)."""
    for start, end, status in TIMES:
        _period(world, via, start, end, status)


def _period(world: World, via: Interface, start: str, end: str, status: str) -> None:
    if status == "invalid":
        world.clock.set(datetime.fromisoformat(start[:10]).replace(tzinfo=UTC))
    else:
        world.clock.set(parse_time(start, LONDON) - timedelta(hours=2))
    fields = proposal(world, "s60-statutory", start=start, end=end)
    if isinstance(via, Api) and status != "invalid":  # JSON carries the instant itself
        fields["start"], fields["end"] = parse_time(start, LONDON), parse_time(end, LONDON)
    outcome = via.propose("proposer1", fields)  # a naive time in JSON is refused, not guessed
    assert outcome.status == status, outcome
    if status == "refused":
        assert "requested 25 h" in outcome.detail
    if status == "ok":
        shown = view(world, outcome.value)
        assert datetime.fromisoformat(shown["start"]) == parse_time(start, LONDON)
        assert datetime.fromisoformat(shown["end"]) == parse_time(end, LONDON)


# Identity: separation of duties and borough scoping ------------------------------------


def test_separation_covers_consultees_and_any_spelling(world: World, via: Interface) -> None:
    """s60: the consultee may not authorise; neither may an investigator however written."""
    consulted = ready(world, "s60-statutory")  # bc.lambeth consulted it
    refused = authorise(via, "bc.lambeth", consulted)
    assert refused.status == "refused" and "consulted" in refused.detail, refused
    investigated = ready(world, "s60-statutory", investigators=(" Ｔｆｃ1\u200b",))
    refused = authorise(via, "tfc1", investigated)
    assert refused.status == "refused" and "investigation" in refused.detail, refused
    assert authorise(via, "insp1", investigated).ok


@pytest.mark.parametrize("profile_name", ["s60-statutory", "dispersal-s34"])
def test_borough_commanders_stay_in_their_borough(
    world: World, via: Interface, profile_name: str
) -> None:
    """Southwark's commander may not authorise, extend, revoke or debrief in Lambeth."""
    deployment = ready(world, profile_name, start_in=0.5, hours=6)
    refused = authorise(via, "bc.southwark", deployment)
    assert refused.status == "refused" and "own borough" in refused.detail, refused
    assert authorise(via, "tfc1", deployment).ok
    world.clock.advance(hours=1)
    end = datetime.fromisoformat(view(world, deployment)["end"])
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("revoke", {"reason": "Not my call."}),
        ("complete", {"reason": "Not my call."}),
    ]
    if load_profile(profile_name).extensions:
        attempts.append(("extend", {"until": end + timedelta(hours=2), "reason": "More."}))
    for action, fields in attempts:
        outcome = via.act("bc.southwark", action, deployment, fields)
        assert outcome.status == "refused" and "own borough" in outcome.detail, (action, outcome)
    assert via.act("bc.lambeth", "complete", deployment, {"reason": "Job done early."}).ok
    outcome = via.act("bc.southwark", "debrief", deployment, {"report": debrief()})
    assert outcome.status == "refused" and "own borough" in outcome.detail, outcome


# What the rules never asked -------------------------------------------------------------


def test_grounds_are_required_stored_and_published(
    world: World, via: Interface, database: Database
) -> None:
    """No grounds, no authorisation; the grounds are stored, shown and summarised."""
    deployment = ready(world, "armed-patrol")
    missing = via.act("sfc.adams", "authorise", deployment, {"conditions": "Review hourly."})
    assert missing.status == "invalid", missing
    assert view(world, deployment)["state"] == "submitted"
    assert authorise(via, "sfc.adams", deployment).ok
    assert view(world, deployment)["grounds"] == GROUNDS
    world.clock.advance(hours=8)
    month = parse_month("2026-06", world.workflow.timezone)
    report = transparency_report(
        database, month, now=world.clock.now, timezone=world.workflow.timezone, fewer_than=1
    )
    row = next(r for r in report["boroughs"] if r["profile"] == "armed-patrol")
    assert row["grounds"] == [GROUNDS.rstrip(".")]
    assert row["profile_versions"][0].startswith("version 1, sha256 ")


def test_an_inspectors_s60_is_reported_to_a_superintendent(world: World, via: Interface) -> None:
    """The notice is owed with a deadline, recorded when done, flagged when missed."""
    told = ready(world, "s60-statutory", assess=False)
    assert authorise(via, "insp1", told).ok
    task = view(world, told)["tasks"][0]
    assert (task["kind"], task["status"]) == ("superior-notice", "open")
    refused = via.act("bc.southwark", "record-notice", told, {"informed": "tfc1"})
    assert refused.status == "refused", refused
    recorded = via.act("tfc1", "record-notice", told, {"informed": "tfc1", "note": "By phone."})
    assert recorded.ok, recorded
    assert view(world, told)["tasks"][0]["status"] == "done"
    world.clock.advance(days=30)
    missed = ready(world, "s60-statutory", assess=False)
    assert authorise(via, "insp1", missed).ok
    world.clock.advance(hours=5)
    swept = via.run("sweep", "--format", "json") if isinstance(via, Cli) else None
    if swept is None:
        world.workflow.sweep()
    flagged = next(t for t in view(world, missed)["tasks"] if t["kind"] == "superior-notice")
    assert flagged["status"] == "overdue" and flagged["flagged_to_oversight_at"]
    assert "oversight.notified" in actions(world, missed)


def test_an_objection_needs_the_authorisers_written_response(
    world: World, via: Interface, database: Database
) -> None:
    """Objected: refused until the authoriser answers in writing; published as such."""
    deployment = ready(world, "armed-patrol", consult=False)
    world.workflow.consult("bc.lambeth", deployment, outcome="object", notes="Trust is low here.")
    refused = authorise(via, "sfc.adams", deployment)
    assert refused.status == "refused" and "written response first" in refused.detail, refused
    consultation = view(world, deployment)["consultations"][0]["id"]
    answer = {
        "concerning": "objection",
        "consultation_id": consultation,
        "text": "The threat is specific and short; youth workers join the briefing.",
    }
    assert via.act("bc.lambeth", "respond", deployment, answer).status == "refused"
    assert via.act("sfc.adams", "respond", deployment, answer).ok
    assert authorise(via, "sfc.adams", deployment).ok
    world.clock.advance(hours=8)
    report = transparency_report(
        database,
        parse_month("2026-06", world.workflow.timezone),
        now=world.clock.now,
        timezone=world.workflow.timezone,
    )
    row = next(r for r in report["boroughs"] if r["profile"] == "armed-patrol")
    assert row["consultation"] == "objected; authoriser's response recorded"


def test_a_high_residual_risk_needs_a_written_response(world: World, via: Interface) -> None:
    """The impact assessment leaves a high risk: answered first, in writing."""
    deployment = ready(world, "armed-patrol", assess=False)
    high = impact_assessment().model_copy(update={"residual_risk": ResidualRisk.HIGH})
    assert via.act("sfc.adams", "assess-impact", deployment, {"assessment": high}).ok
    refused = authorise(via, "sfc.adams", deployment)
    assert refused.status == "refused" and "high residual risk" in refused.detail, refused
    answer = {"concerning": "residual-risk", "text": "Mitigations are in place; review at 22:00."}
    assert via.act("sfc.adams", "respond", deployment, answer).ok
    assert authorise(via, "sfc.adams", deployment).ok


def test_an_impact_assessment_past_its_review_date_blocks(world: World, via: Interface) -> None:
    """Assessed with a review due in 30 minutes; 45 minutes later it no longer authorises."""
    deployment = ready(world, "armed-patrol", assess=False, start_in=2)
    soon = impact_assessment().model_copy(
        update={"next_review": world.clock.now + timedelta(minutes=30)}
    )
    world.workflow.assess_impact("sfc.adams", deployment, soon)
    world.clock.advance(minutes=45)
    refused = authorise(via, "sfc.adams", deployment)
    assert refused.status == "refused" and "past its review date" in refused.detail, refused
    fresh = impact_assessment().model_copy(
        update={"next_review": world.clock.now + timedelta(days=2)}
    )
    assert via.act("sfc.adams", "assess-impact", deployment, {"assessment": fresh}).ok
    assert authorise(via, "sfc.adams", deployment).ok


def test_the_proposers_own_grading_is_not_the_sole_basis(world: World, via: Interface) -> None:
    """A proposer who grades their own 1A and links only that is refused at authorisation."""
    now = world.clock.now
    own = world.workflow.add_intelligence(
        "proposer1",
        IntelligenceSummary(
            area_codes=(WARD_L1,),
            valid_from=now - timedelta(hours=1),
            valid_to=now + timedelta(days=2),
            grading=Grading.of(1, "A", "P"),
            text="Retaliation expected near the station this evening.",
        ),
    )
    outcome = via.propose("proposer1", proposal(world, "armed-patrol", intelligence_ids=[own]))
    assert outcome.ok, outcome
    deployment = outcome.value
    world.workflow.consult("bc.lambeth", deployment, outcome="support", notes="Supports.")
    world.workflow.assess_impact("sfc.adams", deployment, impact_assessment())
    refused = authorise(via, "sfc.adams", deployment)
    assert refused.status == "refused" and "graded by the proposer" in refused.detail, refused


def test_debriefs_are_due_to_the_right_people(world: World, via: Interface) -> None:
    """Ended: the debrief is owed by its authoriser (and proposer) by the profile's deadline,
    listed in their inboxes and not in unrelated commanders'; missed, oversight is told."""
    deployment = ready(world, "armed-patrol", start_in=0.5, hours=2)
    world.workflow.authorise("sfc.adams", deployment, grounds=GROUNDS)
    world.clock.advance(hours=3)
    world.workflow.sweep()
    task = view(world, deployment)["tasks"][0]
    assert (task["kind"], task["assignee"], task["status"]) == ("debrief", "sfc.adams", "open")
    if isinstance(via, Cli):
        shown = via.run("deployment", "show", deployment, "--as", "sfc.adams", "--format", "json")
        assert shown.value["tasks"][0]["kind"] == "debrief"
    else:
        for login, owed in (("sfc.adams", True), ("proposer1", True), ("sfc.cdr", False)):
            client, _ = via.client(login)
            if isinstance(via, Api):
                listed = str(client.get("/api/v1/inbox").json())
            else:
                listed = client.get("/inbox").text
            assert (deployment in listed) is owed, login
            assert ("debrief due by" in listed) is owed, login
    world.clock.advance(days=4)
    world.workflow.sweep()
    assert "oversight.notified" in actions(world, deployment)
    if isinstance(via, Form):
        client, _ = via.client("oversight1")
        assert deployment in client.get("/oversight").text
        assert "overdue since" in via.client("sfc.adams")[0].get("/inbox").text
    late = via.act("proposer1", "debrief", deployment, {"report": debrief()})
    assert late.ok, late
    assert view(world, deployment)["tasks"][0]["status"] == "done"


def test_an_ended_deployment_is_evaluated_automatically(
    world: World, via: Interface, database: Database, settings: Settings
) -> None:
    """Once its after period has passed the sweep evaluates it, on the record, once."""
    deployment = ready(world, "armed-patrol", start_in=0.5, hours=2)
    world.workflow.authorise("sfc.adams", deployment, grounds=GROUNDS)
    world.clock.advance(days=10)
    assert evaluate_due(database, settings, world.clock.now) == []  # after period running
    world.clock.advance(days=20)
    if isinstance(via, Cli):
        swept = via.run("sweep", "--format", "json")
        assert [e["deployment_id"] for e in swept.value["evaluated"]] == [deployment]
    else:
        world.workflow.sweep()
        done = evaluate_due(database, settings, world.clock.now)
        assert [e.deployment_id for e in done] == [deployment]
    assert evaluate_due(database, settings, world.clock.now) == []
    with database.sessions() as session:
        stored = session.scalars(select(DeploymentEvaluationRow)).one()
    assert stored.deployment_id == deployment and stored.summary
    assert actions(world, deployment).count("deployment.evaluated") == 1
    assert view(world, deployment)["evaluation"]["verdict"] == stored.verdict


# Restricted reads ------------------------------------------------------------------------


def test_reading_restricted_intelligence_writes_nothing_revealing_it_is_recorded(
    world: World, via: Interface
) -> None:
    """A read (GET, a page, ``intel show``) shows no code C text and writes nothing; the
    explicit reveal shows it and is recorded; the page's reveal needs its CSRF token."""
    intel = add_intel(world.workflow, world.clock, handling="C")
    if not isinstance(via, Cli):
        via.client("sfc.adams")  # signed in (which is on the record) before counting
    head = world.workflow.chain_head()["seq"]
    if isinstance(via, Cli):
        shown = via.run("intel", "show", intel, "--as", "sfc.adams", "--format", "json")
        assert "text" not in shown.value and shown.value["restricted"] is True
        assert world.workflow.chain_head()["seq"] == head
        revealed = via.run("intel", "reveal", intel, "--as", "sfc.adams", "--format", "json")
        assert "Retaliation" in revealed.value["text"]
    else:
        client, csrf = via.client("sfc.adams")
        if isinstance(via, Api):
            assert "text" not in client.get(f"/api/v1/intelligence/{intel}").json()
            assert world.workflow.chain_head()["seq"] == head
            forged = client.post(f"/api/v1/intelligence/{intel}/reveal")
            assert forged.status_code == 403  # no CSRF token: a cross-site post
            answer = client.post(
                f"/api/v1/intelligence/{intel}/reveal", headers={"X-CSRF-Token": csrf}
            )
            assert "Retaliation" in answer.json()["text"]
        else:
            page = client.get("/intelligence").text
            assert "Retaliation" not in page and "Reveal (recorded)" in page
            assert world.workflow.chain_head()["seq"] == head
            forged = client.post(f"/intelligence/{intel}/reveal", data={})
            assert forged.status_code == 403
            answer = client.post(f"/intelligence/{intel}/reveal", data={"csrf_token": csrf})
            assert "Retaliation" in answer.text
            assert answer.headers["cache-control"] == "no-store"
    reads = [e for e in world.workflow.export_audit() if e["action"] == "intelligence.read"]
    assert [(e["actor"], e["subject"]) for e in reads] == [("sfc.adams", f"intelligence:{intel}")]


def test_the_forecast_is_taken_before_the_write_transaction(
    world: World, via: Interface, database: Database
) -> None:
    """The snapshot's model fit never holds the writer lock; it carries when it was taken."""
    held: list[bool] = []

    def snapshot(geometry: Any, codes: Any, start: datetime, end: datetime) -> dict[str, Any]:
        lock = database.writer_lock
        held.append(lock is not None and getattr(lock._depth, "value", 0) > 0)
        if not database.is_sqlite:  # no transaction of this thread holds a row lock either
            held[-1] = False
        return {"model": "stub", "expected_events": 0.1}

    if isinstance(via, Cli):
        pytest.skip("the command line has no forecast service to attach")
    world.app.state.services.workflow.forecast = snapshot
    outcome = via.propose("proposer1", proposal(world, "armed-patrol"))
    assert outcome.ok, outcome
    assert held == [False]
    taken = view(world, outcome.value)["forecast_snapshot"]
    assert taken["taken_at"] == world.clock.now.isoformat()


def test_a_summary_that_may_name_a_person_needs_its_authors_word(
    world: World, via: Interface
) -> None:
    """Intelligence text with a possible name is refused until its author confirms the words
    are not people (every path), and the confirmation is on the record with the text; a
    likely identity is refused whatever the author confirms."""
    start = world.clock.now
    fields: dict[str, Any] = {
        "area_codes": [WARD_L1],
        "source": 1,
        "assessment": "B",
        "handling": "P",
        "valid_from": start,
        "valid_to": start + timedelta(hours=48),
        "text": "Groups linked to Marcus Okafor expected near the market this weekend.",
    }
    refused = via.add_intelligence("analyst1", fields)
    assert refused.status == "invalid", refused
    assert "Marcus" in refused.detail and "not people" in refused.detail
    accepted = via.add_intelligence("analyst1", {**fields, "names_confirmed": True})
    assert accepted.ok, accepted
    added = [e for e in world.workflow.export_audit() if e["action"] == "intelligence.added"]
    assert [e["payload"]["names_confirmed"] for e in added] == [True]
    identity = "John Smith, 19, of 12 Acre Lane will carry a knife near the market."
    still = via.add_intelligence("analyst1", {**fields, "text": identity, "names_confirmed": True})
    assert still.status == "invalid", still
