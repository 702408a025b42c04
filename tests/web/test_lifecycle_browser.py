"""An armed patrol through its decision dossier in a real browser, as each role in turn.

The second armed patrol in Lambeth within 90 days: every role sees the same dossier (the
ward by name, the map of the area, the intelligence, the forecast in words and numbers,
the rarity position before the click); restricted intelligence is read only by an audited
reveal; the authorisation escalates; the stand-down replaces the authorised end; the page
prints without navigation or forms and exports a signed record. Screenshots at 1366 and
390 px go to a temporary folder, never over tracked files.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import scenario
from playwright.sync_api import expect

from conftest import PASSWORD, REPOSITORY, LiveService
from patrolgate.audit.signed_record import read_record, record_problems
from patrolgate.store.audit_repository import load_entries
from patrolgate.store.tables import AreaRow

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WARD = "E05000416"  # a Lambeth ward (2014 boundaries)
GROUNDS = "Graded intelligence (1A) of an imminent retaliatory attack in this ward tonight."
OPEN_TEXT = "Retaliation between groups expected around the town centre tonight."
RESTRICTED_TEXT = "Shared with conditions: the meeting point is the arches by the station."
WIDE, NARROW = 1366, 390
#: Script errors on any page the test opened (there must be none).
ERRORS: list[str] = []


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser context (cookies) at a laptop width."""
    ctx = browser.new_context(viewport={"width": WIDE, "height": 900})
    try:
        yield ctx
    finally:
        ctx.close()


def sign_in(context: Any, service: LiveService, login: str) -> Any:
    """A new page signed in as ``login`` through the sign-in form."""
    context.clear_cookies()
    page = context.new_page()
    page.on("pageerror", lambda error: ERRORS.append(f"{login}: {error}"))
    page.goto(f"{service.url}/login")
    page.get_by_label("User name").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-as")).to_contain_text(login)
    assert login in page.get_by_test_id("signed-in-as").inner_text()
    return page


def flat(page: Any, test_id: str) -> str:
    """The visible text of an element, whitespace collapsed."""
    return " ".join(page.get_by_test_id(test_id).first.inner_text().split())


def shots(page: Any, folder: Path, name: str) -> list[Path]:
    """Full-page screenshots at 1366 and 390 px; at 390 the page must not scroll sideways."""
    taken = []
    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)  # the map refits after a resize
        if width == NARROW:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= NARROW, f"{name}: {scroll} px wide at {NARROW} px"
        path = folder / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
    page.set_viewport_size({"width": WIDE, "height": 900})
    return taken


def api(page: Any, service: LiveService, method: str, path: str, body: Any = None) -> Any:
    """A JSON call from the page's session, with its CSRF token."""
    token = page.request.get(f"{service.url}/api/v1/me/csrf").json()["csrf_token"]
    call = page.request.post if method == "POST" else page.request.get
    response = call(f"{service.url}{path}", data=body, headers={"X-CSRF-Token": token})
    assert response.ok, response.text()
    return response.json()


def local(service: LiveService, hours: float) -> str:
    """A ``datetime-local`` value ``hours`` from the service's clock (London = UTC in January)."""
    return (service.clock.now + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def add_summary(page: Any, service: LiveService, handling: str, text: str) -> None:
    """The analyst's intelligence form."""
    page.goto(f"{service.url}/intelligence")
    page.get_by_label("Areas (wards or boroughs)").select_option(WARD)
    page.get_by_label("Grade: source evaluation (1–3) and assessment (A–E)").select_option("1A")
    page.get_by_label("Handling").select_option(handling)
    page.get_by_label("Valid from (local time)").fill(local(service, -1))
    page.get_by_label("Summary (area level, sanitised)").fill(text)
    page.get_by_role("button", name="Add the summary").click()
    expect(page.get_by_test_id("intelligence")).to_contain_text(f"1A {handling}")


def proposal(service: LiveService, intelligence: list[str]) -> dict[str, Any]:
    """The proposal's JSON: the example rationale, the ward, tonight."""
    rationale = tomllib.loads((REPOSITORY / "examples" / "rationale.toml").read_text("utf-8"))
    start = service.clock.now + timedelta(hours=2)
    return {
        "profile": "armed-patrol",
        "trigger": "imminent-intelligence",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=18)).isoformat(),
        "area_codes": [WARD],
        "rationale": rationale,
        "intelligence_ids": intelligence,
    }


def fill_impact_assessment(page: Any, service: LiveService) -> None:
    """The community impact assessment form."""
    fields = {
        "Area and intelligence basis": "The Lambeth ward in the proposal; one 1A summary.",
        "Communities affected": "Residents, night-time economy workers, young people.",
        "Current tensions": "Moderate after recent stop and search complaints.",
        "Expected impact": "Reassurance for some, fear and lower trust for young residents.",
        "Equality impact": "Risk of disproportionate effect on young Black men; monitored.",
        "Engagement: borough": "Borough commander consulted.",
        "Engagement: independent advisory group": "IAG chair briefed.",
        "Engagement: community monitoring group": "Invited to observe the deployment.",
        "Mitigations (one per line)": "Area-based briefing\nMonitoring group observers",
        "Public told in advance: how": "Ward panel chairs told at the start.",
    }
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Owner (strategic commander)").select_option("sfc.adams")
    page.get_by_label("Next review (local time)").fill(local(service, 12))


def assert_dossier(page: Any, ward: str) -> None:
    """What every role sees: the ward by name, the map polygon with ward labels, the
    forecast sentence with its interval, the rarity position, the open intelligence."""
    assert ward in flat(page, "place-name")
    assert ERRORS == []
    assert WARD not in page.locator("main").inner_text()
    polygon = page.locator(".leaflet-overlay-pane svg path[data-testid=dossier-polygon]")
    expect(polygon).to_have_count(1)
    assert len(polygon.get_attribute("d") or "") > 20
    assert ward in page.locator(".leaflet-tooltip-pane").inner_text()
    focusable = page.evaluate(
        "[...document.querySelectorAll('#dossier-map path')].filter(p => p.tabIndex >= 0).length"
    )
    assert focusable == 0
    assert ward in flat(page, "area-names")
    standing = flat(page, "outlook-standing")
    assert re.search(r"in the top [\d.]+ % of the city's cells", standing), standing
    assert re.search(r"expected events \(95 % interval \d+–\d+ events", standing), standing
    assert "last event ended" in flat(page, "outlook-data")
    # The live service records no backtest: the dossier says so rather than invent one.
    assert flat(page, "outlook-accuracy").startswith("No measured accuracy: ")
    assert OPEN_TEXT in flat(page, "intelligence")


def test_armed_patrol_through_the_dossier_as_each_role(
    context: Any, live_service: LiveService, tmp_path: Path
) -> None:
    """Analyst → proposer → borough commander → community officer → strategic commanders of
    three ranks → stand-down → print and export → oversight, on one dossier."""
    service = live_service
    with service.database.sessions() as session:
        area = session.get(AreaRow, WARD)
        assert area is not None
        ward = area.name
    # The first armed patrol in Lambeth this quarter, authorised: the next one escalates.
    first = scenario.ready_deployment(service.workflow, service.clock, area=WARD, start_in=30)
    service.workflow.authorise("sfc.adams", first, grounds=GROUNDS)
    seen: list[Path] = []

    # The analyst records two summaries, one shared with conditions (handling code C).
    page = sign_in(context, service, "analyst1")
    before = {i["id"] for i in api(page, service, "GET", "/api/v1/intelligence")}
    add_summary(page, service, "P", OPEN_TEXT)
    add_summary(page, service, "C", RESTRICTED_TEXT)
    listed = api(page, service, "GET", "/api/v1/intelligence")
    ids = [i["id"] for i in listed if i["id"] not in before]
    assert len(ids) == 2
    restricted = next(i["id"] for i in listed if i["id"] in ids and i["restricted"])

    # The proposer proposes; the dossier names the ward and draws it.
    page = sign_in(context, service, "proposer1")
    deployment = api(page, service, "POST", "/api/v1/deployments", proposal(service, ids))["id"]
    page.goto(f"{service.url}/deployments/{deployment}")
    assert page.get_by_test_id("state").inner_text() == "submitted"
    assert_dossier(page, ward)
    assert "this would be the 2nd armed patrol in Lambeth" in flat(page, "rarity")
    assert "notifies oversight" in flat(page, "rarity")
    assert page.get_by_test_id(f"reveal-{restricted}").is_visible()
    seen += shots(page, tmp_path, "01-proposer-dossier")

    # The borough commander consults from the dossier.
    page = sign_in(context, service, "bc.lambeth")
    page.goto(f"{service.url}/deployments/{deployment}")
    assert_dossier(page, ward)
    page.get_by_label("Outcome").select_option("support")
    page.get_by_label("What was said").fill("Borough supports; engage youth groups first.")
    page.get_by_role("button", name="Record the consultation").click()
    expect(page.get_by_test_id("checklist")).to_contain_text(re.compile(r"Done:\s*Consultation"))
    seen += shots(page, tmp_path, "02-borough-commander-consulted")

    # The community officer may not read the restricted text, and is told why.
    page = sign_in(context, service, "community1")
    page.goto(f"{service.url}/deployments/{deployment}")
    assert_dossier(page, ward)
    assert "Text withheld" in flat(page, "intel-withheld")
    assert page.get_by_test_id(f"reveal-{restricted}").count() == 0
    fill_impact_assessment(page, service)
    page.get_by_role("button", name="Record the impact assessment").click()
    expect(page.get_by_test_id("checklist")).to_contain_text(
        re.compile(r"Done:\s*Community impact assessment")
    )
    seen += shots(page, tmp_path, "03-community-officer")

    # A chief superintendent: told before the click that the rarity rule needs a commander;
    # reveals the restricted text, and the read is on the audit trail in their name.
    page = sign_in(context, service, "sfc.adams")
    page.goto(f"{service.url}/deployments/{deployment}")
    assert_dossier(page, ward)
    refusal = flat(page, "will-refuse-authorise")
    assert "commander" in refusal and "2nd armed patrol in Lambeth" in refusal
    assert RESTRICTED_TEXT not in page.content()
    page.get_by_test_id(f"reveal-{restricted}").click()
    expect(page.get_by_test_id("revealed-note")).to_be_visible()
    assert RESTRICTED_TEXT in flat(page, "intelligence")
    assert page.url.endswith(f"/deployments/{deployment}/intelligence/{restricted}/reveal")
    with service.database.sessions() as session:
        reads = [
            (e.header.actor, e.header.subject)
            for e in load_entries(session)
            if e.header.action == "intelligence.read"
        ]
    assert reads == [("sfc.adams", f"intelligence:{restricted}")]
    seen += shots(page, tmp_path, "04-chief-superintendent-revealed")

    # A superintendent may not authorise, and is told which rule: the rank.
    page = sign_in(context, service, "sfc.supt")
    page.goto(f"{service.url}/deployments/{deployment}")
    assert page.get_by_role("button", name="Authorise").count() == 0
    assert "chief superintendent" in flat(page, "not-yours-authorise")
    seen += shots(page, tmp_path, "05-superintendent-not-yours")

    # The commander is warned that authorising escalates and notifies oversight, authorises.
    page = sign_in(context, service, "sfc.cdr")
    page.goto(f"{service.url}/deployments/{deployment}")
    assert_dossier(page, ward)
    assert "notifies oversight" in flat(page, "your-escalation")
    assert "notifies oversight" in flat(page, "warning-authorise")
    page.get_by_label("Your grounds").fill(GROUNDS)
    page.get_by_label("Conditions").fill("Review at each shift change.")
    page.get_by_role("button", name="Authorise").click()
    expect(page.get_by_test_id("state")).to_have_text("authorised")
    assert "oversight was notified" in flat(page, "escalated")

    # Active when the start comes; stood down early: the header gives the actual end.
    service.clock.advance(hours=3)
    page.reload()
    assert page.get_by_test_id("state").inner_text() == "active"
    service.clock.advance(hours=2)
    page.reload()
    page.get_by_label("Reason to complete").fill("Threat passed after arrests elsewhere.")
    page.get_by_role("button", name="Stand down (job done)").click()
    expect(page.get_by_test_id("state")).to_have_text(re.compile(r"^ended"))
    period = flat(page, "period")
    assert "no longer holds" in period and "(completed by sfc.cdr" in period
    assert page.get_by_test_id("actual-end").inner_text() in period
    assert page.locator("[data-testid=period] s").count() == 1  # the authorised end, struck
    seen += shots(page, tmp_path, "06-commander-stood-down")

    # Printed: the dossier without navigation, forms or buttons.
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("nav").first.is_visible()
    visible_forms = page.evaluate("[...document.forms].filter(f => f.offsetParent !== null).length")
    assert visible_forms == 0
    assert page.get_by_test_id("dossier").is_visible()
    assert page.get_by_test_id("timeline").is_visible()
    printed = tmp_path / "07-print.png"
    page.screenshot(path=str(printed), full_page=True)
    seen.append(printed)
    page.emulate_media(media="screen")

    # Exported: a signed record, verified, and the export is on the trail.
    with page.expect_download() as download:
        page.get_by_role("button", name="Export the signed decision record").click()
    saved = tmp_path / "decision-record.html"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    record = read_record(text, str(saved))
    key = api(page, service, "GET", "/api/v1/audit/head")["public_key"]
    assert record_problems(record, text, key) == []
    decided = {d["action"]: d for d in record.payload["decisions"]}
    assert decided["deployment.authorised"]["actor"] == "sfc.cdr"
    assert decided["deployment.authorised"]["rank"] == "commander"
    assert record.payload["grounds"]["authoriser_grounds"] == GROUNDS
    assert record.payload["deployment"]["areas"][0]["name"] == ward
    assert RESTRICTED_TEXT not in text
    page.reload()
    assert "deployment.record-exported" in page.get_by_test_id("timeline").inner_text()
    record_page = context.new_page()
    record_page.goto(saved.as_uri())
    assert ward in record_page.locator("body").inner_text()
    exported = tmp_path / "08-exported-record.png"
    record_page.screenshot(path=str(exported), full_page=True)
    seen.append(exported)

    # Oversight reads the same dossier, may do nothing, and is told why; the chain holds.
    page = sign_in(context, service, "oversight1")
    page.goto(f"{service.url}/deployments/{deployment}")
    assert_dossier(page, ward)
    assert page.get_by_test_id("no-actions").is_visible()
    assert flat(page, "why-nothing")
    assert "Text withheld" in flat(page, "intel-withheld")
    seen += shots(page, tmp_path, "09-oversight")
    assert page.request.get(f"{service.url}/api/v1/audit/verify").json()["ok"] is True
    print("screenshots:", *[str(p) for p in seen], sep="\n  ")
    assert all(p.stat().st_size > 10_000 for p in seen)


def test_tablet_width_and_keyboard(context: Any, live_service: LiveService, tmp_path: Path) -> None:
    """At tablet width the pages reflow; the skip link and the form are reachable by keyboard."""
    page = sign_in(context, live_service, "proposer1")
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(f"{live_service.url}/deployments/new")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 820
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(e => !e.labels || e.labels.length === 0).map(e => e.name)"""
    )
    assert unlabelled == []
    page.screenshot(path=str(tmp_path / "tablet-propose.png"), full_page=True)
