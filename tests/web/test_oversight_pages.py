"""The oversight pages in a real browser: public transparency and algorithm record, MOPAC's
dashboard for the oversight role only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import scenario

from conftest import PASSWORD, LiveService, shot
from patrolgate.audit import GENESIS
from patrolgate.oversight import parse_month, transparency_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WARD = "E05000416"  # a Lambeth ward (2014 boundaries)


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at a laptop width."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def s60(live_service: LiveService) -> str:
    """An s60 authorisation in a Lambeth ward, started and running."""
    workflow, clock = live_service.workflow, live_service.clock
    deployment = scenario.ready_deployment(
        workflow, clock, profile="s60-statutory", area=WARD, hours=6
    )
    workflow.authorise(
        "tfc1",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    clock.advance(hours=2)
    workflow.sweep()
    return deployment


def sign_in(context: Any, service: LiveService, login: str) -> Any:
    """A page signed in as ``login``."""
    page = context.new_page()
    page.goto(f"{service.url}/login")
    page.get_by_label("User name").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/map$"))
    return page


def test_transparency_page_is_public_and_its_head_verifies(
    context: Any, live_service: LiveService, s60: str
) -> None:
    """Without signing in: Lambeth's s60 row in plain words, the month so far, the chain
    head at the end of yesterday, and the deployment's public line."""
    month = live_service.clock.now.astimezone(live_service.workflow.timezone).strftime("%Y-%m")
    page = context.new_page()
    page.goto(f"{live_service.url}/transparency?month={month}")
    row = page.locator("tr[data-borough='E09000022'][data-profile='s60-statutory']")
    assert "Stop and search without suspicion (section 60)" in row.inner_text()
    assert "s60-statutory" not in page.locator("main").inner_text()
    assert "imminent-intelligence" not in page.locator("main").inner_text()
    assert "so far, at" in page.get_by_test_id("report-title").inner_text()
    assert "withheld" in page.get_by_test_id("suppression").inner_text()
    line = page.get_by_test_id("public-lines").locator(f"li[data-deployment='{s60}']")
    assert "superintendent rank" in line.inner_text()
    seq = int(page.get_by_test_id("head-seq").inner_text())
    hash_ = page.get_by_test_id("head-hash").inner_text().strip()
    expected = transparency_report(
        live_service.database,
        parse_month(month, live_service.workflow.timezone),
        now=live_service.clock.now,
        timezone=live_service.workflow.timezone,
    )["audit_head"]
    assert (seq, hash_) == (expected["seq"], expected["hash"])
    # The month runs: the head quoted is yesterday's (a finished day), when nothing was yet
    # on the chain (this module's cast and deployments are all of 12 January).
    text = page.get_by_test_id("audit-head").inner_text()
    assert "At the end of 11 January 2021" in text and "no entry" in text
    assert (seq, hash_) == (0, GENESIS)
    shot(page, "oversight-transparency")
    csv = page.request.get(f"{live_service.url}/transparency.csv?month={month}")
    assert csv.ok and hash_ in csv.text()


def test_algorithm_record_is_public(context: Any, live_service: LiveService) -> None:
    """Tier 1, measured accuracy (or 'none recorded'), and the risks with mitigations."""
    page = context.new_page()
    page.goto(f"{live_service.url}/algorithm")
    assert "algorithmic transparency record" in page.get_by_test_id("record-title").inner_text()
    assert page.get_by_test_id("tier-1").is_visible()
    assert page.get_by_test_id("accuracy-status").inner_text() in ("none recorded", "recorded")
    assert "Feedback loop" in page.get_by_test_id("risks").inner_text()
    shot(page, "oversight-algorithm")


def test_dashboard_for_oversight_only(context: Any, live_service: LiveService, s60: str) -> None:
    """oversight1 sees rarity, tracking and the association label; a proposer is refused."""
    page = sign_in(context, live_service, "proposer1")
    response = page.goto(f"{live_service.url}/oversight")
    assert response is not None and response.status == 403
    context.clear_cookies()
    page = sign_in(context, live_service, "oversight1")
    page.goto(f"{live_service.url}/oversight")
    assert "s60-statutory" in page.get_by_test_id("rarity").inner_text()
    assert s60 in page.get_by_test_id("tracking").inner_text()
    assert "not effect" in page.get_by_test_id("association").inner_text()
    image = page.request.get(f"{live_service.url}/oversight/trends.png")
    assert image.ok and image.body().startswith(b"\x89PNG")
    page.get_by_role("button", name="Run the rarity monitor and record new breaches").click()
    page.wait_for_url(re.compile(r".*/oversight#notifications$"))
    assert page.get_by_test_id("notifications").is_visible()
    shot(page, "oversight-dashboard")
