"""The whole armed-patrol lifecycle in a real browser, across the roles, with the refusals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, LiveService, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WARD = "E05000416"  # a Lambeth ward (2014 boundaries)
LAMBETH = "E09000022"


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser context (cookies) at a laptop width."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield ctx
    finally:
        ctx.close()


GROUNDS = "Graded intelligence (1A) of an imminent retaliatory attack in this ward tonight."


def sign_in(context: Any, service: LiveService, login: str) -> Any:
    """A new page signed in as ``login`` through the sign-in form."""
    context.clear_cookies()
    page = context.new_page()
    page.goto(f"{service.url}/login")
    page.get_by_label("User name").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/map$"))
    assert login in page.get_by_test_id("signed-in-as").inner_text()
    return page


def flat(page: Any, test_id: str) -> str:
    """The visible text of an element, whitespace collapsed."""
    return " ".join(page.get_by_test_id(test_id).inner_text().split())


def local(service: LiveService, hours: float) -> str:
    """A ``datetime-local`` value ``hours`` from the service's clock (London = UTC in January)."""
    return (service.clock.now + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def fill_proposal(page: Any, service: LiveService) -> None:
    """Walk the five NDM steps of the proposal form with the keyboard-reachable buttons."""
    page.get_by_label("Power (policy profile)").select_option("armed-patrol")
    page.get_by_label("Trigger").select_option("imminent-intelligence")
    page.get_by_label("Start (local time)").fill(local(service, 2))
    page.get_by_label("End (local time)").fill(local(service, 20))
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Wards").select_option(WARD)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Summary of the reason").fill(
        "Graded intelligence says serious gang violence is imminent in the ward tonight."
    )
    page.get_by_label("1. Gather information and intelligence").fill(
        "A reliable 1A summary reports retaliation expected around the town centre tonight."
    )
    page.get_by_label("2. Assess threat and risk, develop a working strategy").fill(
        "Threat of serious injury to the public after 20:00; prevent, deter, reassure."
    )
    page.get_by_role("button", name="Next").click()
    page.get_by_label("3. Consider powers and policy").fill(
        "Operational contingency criterion of the Code of Practice on Armed Policing."
    )
    page.get_by_label("4. Identify options and contingencies").fill(
        "Unarmed patrol and schools liaison continue but do not meet the imminent threat."
    )
    page.get_by_label("5. Take action and review").fill(
        "Shortest period the intelligence supports; review at every shift change."
    )
    page.get_by_label("Option 1").fill("Unarmed high-visibility patrol")
    page.locator("#why_not_0").fill("Would not allow a timely armed response tonight.")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Proportionate").fill("Smallest area and shortest period supported.")
    page.get_by_label("Legal").fill("Code of Practice on Armed Policing 2020.")
    page.get_by_label("Accountable").fill("Every decision on the audit trail; debriefed.")
    page.get_by_label("Necessary").fill("Less intrusive options alone do not meet it.")
    page.locator("input[name=intelligence_ids]").first.check()


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


def test_armed_patrol_lifecycle_and_refusals(context: Any, live_service: LiveService) -> None:
    """Analyst → proposer → borough commander → community officer → SFC → active → expiry →
    debrief; authorisation refused before the impact assessment and for too low a rank."""
    service = live_service

    # The analyst looks at the map, then records the intelligence behind the proposal.
    page = sign_in(context, service, "analyst1")
    page.wait_for_selector("#legend dl", timeout=60_000)
    assert "Measured accuracy" in page.get_by_test_id("legend").inner_text()
    assert page.locator("#map path.leaflet-interactive").count() > 33  # boroughs and cells
    page.locator("#map").click()  # the centre of London
    page.wait_for_selector("#place h3", timeout=30_000)
    assert "recorded events" in flat(page, "place")
    shot(page, "01-analyst-map", docs=True)
    page.goto(f"{service.url}/intelligence")
    page.get_by_label("Areas (wards or boroughs)").select_option(WARD)
    page.get_by_label("Grade: source evaluation (1–3) and assessment (A–E)").select_option("1A")
    page.get_by_label("Valid from (local time)").fill(local(service, -1))
    page.get_by_label("Summary (area level, sanitised)").fill(
        "Retaliation between groups expected around the town centre tonight."
    )
    page.get_by_role("button", name="Add the summary").click()
    expect(page.get_by_test_id("intelligence")).to_contain_text("1A P")
    shot(page, "02-analyst-intelligence", docs=True)

    # The proposer drafts and submits the proposal step by step.
    page = sign_in(context, service, "proposer1")
    page.goto(f"{service.url}/deployments/new")
    fill_proposal(page, service)
    shot(page, "03-proposer-form", docs=True)
    page.get_by_role("button", name="Submit the proposal").click()
    page.wait_for_url(re.compile(r".*/deployments/dep[-_][A-Za-z0-9]+$"))
    deployment = page.url.rsplit("/", 1)[1]
    assert page.get_by_test_id("state").inner_text() == "submitted"
    checklist = flat(page, "checklist")
    assert "Missing: Consultation: borough commander of Lambeth" in checklist
    assert "Missing: Community impact assessment" in checklist
    shot(page, "04-proposer-deployment", docs=True)

    # The borough commander finds the consultation in the inbox and supports it.
    page = sign_in(context, service, "bc.lambeth")
    page.goto(f"{service.url}/inbox")
    assert deployment in page.get_by_test_id("inbox").inner_text()
    shot(page, "05-borough-commander-inbox", docs=True)
    page.get_by_role("link", name=deployment).click()
    page.get_by_label("Outcome").select_option("support")
    page.get_by_label("What was said").fill("Borough supports; engage youth groups first.")
    page.get_by_role("button", name="Record the consultation").click()
    expect(page.get_by_test_id("checklist")).to_contain_text(re.compile(r"Done:\s*Consultation"))
    assert "Done: Consultation" in flat(page, "checklist")
    assert page.get_by_role("button", name="Authorise").count() == 0

    # Refusal 1: the strategic commander tries before the impact assessment.
    page = sign_in(context, service, "sfc.adams")
    page.goto(f"{service.url}/deployments/{deployment}")
    # The page says so before the click, then the service refuses and records it.
    assert (
        "no community impact assessment"
        in page.get_by_test_id("will-refuse-authorise").inner_text()
    )
    page.get_by_label("Your grounds").fill(GROUNDS)
    page.get_by_role("button", name="Authorise").click()
    problem = page.get_by_test_id("problem").inner_text()
    assert "no community impact assessment has been recorded" in problem
    assert page.get_by_test_id("state").inner_text() == "submitted"
    assert "refused" in page.get_by_test_id("timeline").inner_text()
    shot(page, "06-refused-before-impact-assessment", docs=True)

    # The community officer records the impact assessment.
    page = sign_in(context, service, "community1")
    page.goto(f"{service.url}/deployments/{deployment}")
    fill_impact_assessment(page, service)
    shot(page, "07-community-officer-impact-assessment", docs=True)
    page.get_by_role("button", name="Record the impact assessment").click()
    expect(page.get_by_test_id("checklist")).to_contain_text(
        re.compile(r"Done:\s*Community impact assessment")
    )
    assert "Done: Community impact assessment" in flat(page, "checklist")

    # Refusal 2: a strategic commander of too low a rank is not offered the action, and a
    # forged post (with a valid CSRF token) is refused by the service and recorded.
    page = sign_in(context, service, "sfc.supt")
    page.goto(f"{service.url}/deployments/{deployment}")
    assert page.get_by_role("button", name="Authorise").count() == 0
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = page.request.post(
        f"{service.url}/api/v1/deployments/{deployment}/authorise",
        data={"grounds": GROUNDS},
        headers={"X-CSRF-Token": csrf or ""},
    )
    assert forged.status == 403
    assert "chief superintendent" in forged.json()["detail"]
    assert forged.headers["content-type"].startswith("application/problem+json")
    page.reload()
    shot(page, "08-refused-rank-too-low", docs=True)

    # The strategic commander authorises; when the start comes, it is active.
    page = sign_in(context, service, "sfc.adams")
    page.goto(f"{service.url}/deployments/{deployment}")
    page.get_by_label("Your grounds").fill(GROUNDS)
    page.get_by_label("Conditions").fill("Review at each shift change.")
    page.get_by_role("button", name="Authorise").click()
    # expect() waits for the page the form posts to, rather than reading the old one.
    expect(page.get_by_test_id("state")).to_have_text("authorised")
    service.clock.advance(hours=3)
    page.reload()
    assert page.get_by_test_id("state").inner_text() == "active"
    assert "Ends in" in page.get_by_test_id("countdown").inner_text()
    shot(page, "09-strategic-commander-active", docs=True)
    page.goto(f"{service.url}/map")
    page.wait_for_selector(f"#live a[href='/deployments/{deployment}']", timeout=30_000)
    assert "remaining" in page.get_by_test_id("live-deployments").inner_text()
    page.wait_for_selector("#legend dl", timeout=120_000)  # a new window: the model refits
    shot(page, "10-map-live-deployment", docs=True)

    # Time passes: the deployment expires by the clock, and the proposer debriefs it.
    service.clock.advance(hours=20)
    page = sign_in(context, service, "proposer1")
    page.goto(f"{service.url}/inbox")
    assert "debrief due" in page.get_by_test_id("inbox").inner_text()
    page.goto(f"{service.url}/deployments/{deployment}")
    assert page.get_by_test_id("state").inner_text() == "ended (expired)"
    assert "deployment.expired" in page.get_by_test_id("timeline").inner_text()
    page.get_by_label("What happened").fill("Patrols ran as authorised; no serious violence.")
    page.get_by_label("Did the patrol happen where and when authorised?").fill(
        "Patrol unit location records match the authorised area and times."
    )
    page.get_by_label("Arrests").fill("1")
    page.get_by_label("Community feedback").fill("Mixed: reassurance and concern.")
    page.get_by_label("How the public was told afterwards").fill("Outcome published.")
    page.get_by_role("button", name="Record the debrief").click()
    expect(page.get_by_test_id("state")).to_have_text("debriefed (expired)")
    timeline = page.get_by_test_id("timeline").inner_text()
    for action in (
        "deployment.proposed",
        "deployment.consulted",
        "refused",
        "deployment.impact-assessed",
        "deployment.authorised",
        "deployment.activated",
        "deployment.expired",
        "deployment.debriefed",
    ):
        assert action in timeline
    shot(page, "11-proposer-debriefed", docs=True)

    # Oversight sees the record and nothing it may act on.
    page = sign_in(context, service, "oversight1")
    page.goto(f"{service.url}/deployments/{deployment}")
    assert page.get_by_test_id("no-actions").is_visible()
    verified = page.request.get(f"{service.url}/api/v1/audit/verify").json()
    assert verified["ok"] is True


def test_tablet_width_and_keyboard(context: Any, live_service: LiveService) -> None:
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
    shot(page, "12-tablet-propose", docs=True)
