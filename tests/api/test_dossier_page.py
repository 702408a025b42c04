"""The deployment page's dossier: names, reveal on the record, rules before the click, export."""

from __future__ import annotations

import re
from datetime import timedelta

import scenario
from world import World

from patrolgate.audit import HeadSigner
from patrolgate.audit.signed_record import read_record, record_problems
from patrolgate.intelligence import Grading, IntelligenceSummary
from patrolgate.policy import shipped_profile_text
from patrolgate.store.audit_repository import load_entries
from patrolgate.workflow.commands import InstallProfile

SECRET_TEXT = "Named-location detail shared with conditions: meeting point by the arches."


def _with_restricted(world: World) -> tuple[str, str]:
    """A submitted armed patrol in Brixton Hill with one 1A P and one 1A C summary linked."""
    clock = world.clock
    restricted = world.workflow.add_intelligence(
        "analyst1",
        IntelligenceSummary(
            area_codes=(scenario.WARD_L1,),
            valid_from=clock.now - timedelta(hours=1),
            valid_to=clock.now + timedelta(hours=72),
            grading=Grading.of("1", "A", "C"),
            text=SECRET_TEXT,
        ),
    )
    open_one = scenario.add_intel(world.workflow, clock)
    start = clock.now + timedelta(hours=1)
    deployment = world.workflow.propose(
        "proposer1",
        profile="armed-patrol",
        start=start,
        end=start + timedelta(hours=12),
        trigger="imminent-intelligence",
        rationale=scenario.rationale(criterion=scenario.CRITERIA["armed-patrol"]),
        area_codes=[scenario.WARD_L1],
        intelligence_ids=[open_one, restricted],
    )
    return deployment, restricted


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_the_dossier_names_wards_and_boroughs_not_codes(world: World) -> None:
    """Ward and borough by name in the heading, the area list and the map's data."""
    deployment, _ = _with_restricted(world)
    client, _ = world.signed_in("sfc.adams")
    html = client.get(f"/deployments/{deployment}").text
    heading = re.search(r"<h1>(.*?)</h1>", html, re.DOTALL)
    assert heading is not None and "Brixton Hill" in heading.group(1)
    assert "Brixton Hill (ward in Lambeth)" in html
    visible = re.sub(r'<script type="application/json".*?</script>', "", html, flags=re.DOTALL)
    visible = re.sub(r"<[^>]+>", " ", visible)
    assert scenario.WARD_L1 not in visible
    assert scenario.LAMBETH not in visible
    assert 'id="dossier-data"' in html and '"name": "Coldharbour"' in html


def test_restricted_text_only_after_a_recorded_reveal(world: World) -> None:
    """C text is absent on GET; a POST with CSRF reveals it on the dossier and is audited."""
    deployment, restricted = _with_restricted(world)
    client, _ = world.signed_in("sfc.adams")
    page = client.get(f"/deployments/{deployment}").text
    assert SECRET_TEXT not in page
    assert "Retaliation between groups" in page  # the P summary's text is shown as it is
    url = f"/deployments/{deployment}/intelligence/{restricted}/reveal"
    assert client.post(url, data={}).status_code == 403  # no CSRF token
    revealed = client.post(url, data={"csrf_token": _csrf(page)})
    assert revealed.status_code == 200
    assert SECRET_TEXT in revealed.text
    assert "recorded in the audit trail in your name" in revealed.text
    assert revealed.headers["cache-control"] == "no-store"
    with world.database.sessions() as session:
        reads = [e for e in load_entries(session) if e.header.action == "intelligence.read"]
    assert [(e.header.actor, e.header.subject) for e in reads] == [
        ("sfc.adams", f"intelligence:{restricted}")
    ]
    assert SECRET_TEXT not in client.get(f"/deployments/{deployment}").text


def test_a_role_the_rules_do_not_name_cannot_reveal(world: World) -> None:
    """Oversight sees why the text is withheld, and a forged reveal is refused and recorded."""
    deployment, restricted = _with_restricted(world)
    client, _ = world.signed_in("oversight1")
    page = client.get(f"/deployments/{deployment}").text
    assert "Text withheld" in page and f"{restricted}/reveal" not in page
    refused = client.post(
        f"/deployments/{deployment}/intelligence/{restricted}/reveal",
        data={"csrf_token": _csrf(page)},
    )
    assert refused.status_code == 403
    assert SECRET_TEXT not in refused.text
    assert "handling code C" in refused.text
    with world.database.sessions() as session:
        entries = list(load_entries(session))
    assert not any(e.header.action == "intelligence.read" for e in entries)
    assert entries[-1].header.action == "refused" and entries[-1].header.actor == "oversight1"


def test_a_reveal_of_intelligence_not_linked_is_not_found(world: World) -> None:
    """The dossier reveals only what its deployment rests on."""
    deployment, _ = _with_restricted(world)
    other = scenario.add_intel(world.workflow, world.clock)
    client, _ = world.signed_in("sfc.adams")
    page = client.get(f"/deployments/{deployment}").text
    response = client.post(
        f"/deployments/{deployment}/intelligence/{other}/reveal", data={"csrf_token": _csrf(page)}
    )
    assert response.status_code == 404


def test_the_rules_say_before_the_click_what_authorisation_requires(world: World) -> None:
    """The rarity position and, for the second patrol in the borough, the escalation."""
    first = world.ready_deployment()
    world.workflow.authorise("sfc.adams", first, grounds="Imminent threat graded 1A; see record.")
    second = world.ready_deployment(start_in=30)
    client, _ = world.signed_in("sfc.cdr")
    html = " ".join(client.get(f"/deployments/{second}").text.split())
    assert "this would be the 2nd armed patrol in Lambeth" in html
    assert "notifies oversight" in html
    assert 'data-testid="your-escalation"' in html
    community, _ = world.signed_in("analyst1")
    other = " ".join(community.get(f"/deployments/{second}").text.split())
    assert "this would be the 2nd armed patrol in Lambeth" in other  # the same facts
    assert 'data-testid="your-escalation"' not in other
    assert 'data-testid="why-nothing"' in other
    assert "Authorise: " in other and "analyst" in other.split('data-testid="why-nothing"')[1]


def test_the_exported_record_is_signed_audited_and_verifiable(world: World) -> None:
    """The export holds the grounds, decisions with ranks and the head; an edit fails it."""
    deployment = world.ready_deployment()
    world.workflow.authorise("sfc.adams", deployment, grounds="Imminent threat graded 1A today.")
    client, _ = world.signed_in("sfc.adams")
    page = client.get(f"/deployments/{deployment}").text
    with world.database.sessions() as session:
        before = list(load_entries(session))[-1].seq
    response = client.post(
        f"/deployments/{deployment}/record/export", data={"csrf_token": _csrf(page)}
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    text = response.text
    record = read_record(text, "download")
    key = HeadSigner(world.app.state.services.settings.secret_key).public_key
    assert record_problems(record, text, key) == []
    payload = record.payload
    assert payload["audit_head"]["seq"] == before
    assert payload["deployment"]["areas"][0]["name"] == "Brixton Hill"
    assert payload["grounds"]["authoriser_grounds"] == "Imminent threat graded 1A today."
    authorised = [d for d in payload["decisions"] if d["action"] == "deployment.authorised"]
    assert authorised[0]["actor"] == "sfc.adams"
    assert authorised[0]["rank"] == "chief superintendent"
    assert payload["deployment"]["profile_sha256"]
    with world.database.sessions() as session:
        last = list(load_entries(session))[-1]
    assert last.header.action == "deployment.record-exported"
    assert last.header.actor == "sfc.adams"
    edited = text.replace("Imminent threat graded 1A today.", "Imminent threat graded 1A.", 1)
    assert record_problems(read_record(edited, "edited"), edited, key) != []
    assert record_problems(record, text, "00" * 32) != []
    assert client.post(f"/deployments/{deployment}/record/export").status_code == 403


def test_the_profile_names_who_may_reveal(world: World) -> None:
    """An administrator installs an armed-patrol version whose restricted readers are the
    strategic commanders alone: the analyst, who may read C text elsewhere, may not reveal
    it on a deployment decided under that version (refused and recorded); the commander
    may, and the read names the deployment. The service, not the page, decides."""
    text = shipped_profile_text("armed-patrol")
    narrowed = re.sub(
        r"(\[restricted_intelligence\][^\[]*?readers = )\[[^\]]*\]",
        r'\1["strategic-commander"]',
        text,
        count=1,
    )
    assert narrowed != text
    installed, new = world.workflow.install_profile(
        "admin", InstallProfile(text=narrowed, origin="test")
    )
    assert new and installed.profile.restricted_intelligence.readers == ("strategic-commander",)
    deployment, restricted = _with_restricted(world)

    analyst, _ = world.signed_in("analyst1")
    page = analyst.get(f"/deployments/{deployment}").text
    assert SECRET_TEXT not in page and f"{restricted}/reveal" not in page
    refused = analyst.post(
        f"/deployments/{deployment}/intelligence/{restricted}/reveal",
        data={"csrf_token": _csrf(page)},
    )
    assert refused.status_code == 403 and SECRET_TEXT not in refused.text
    assert "under armed-patrol" in refused.text
    # Outside the deployment the organisation's rule still lets an analyst read it.
    assert world.workflow.reveal_intelligence("analyst1", restricted)["text"] == SECRET_TEXT

    commander, _ = world.signed_in("sfc.adams")
    page = commander.get(f"/deployments/{deployment}").text
    shown = commander.post(
        f"/deployments/{deployment}/intelligence/{restricted}/reveal",
        data={"csrf_token": _csrf(page)},
    )
    assert shown.status_code == 200 and SECRET_TEXT in shown.text
    with world.database.sessions() as session:
        reads = [e for e in load_entries(session) if e.header.action == "intelligence.read"]
    assert reads[-1].header.actor == "sfc.adams"
    assert reads[-1].payload == {"intelligence": restricted, "deployment": deployment}
