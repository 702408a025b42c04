"""Every page the browser UI serves, as the roles that use it, at a phone's width (390 px)
and a laptop's (1366 px): nothing scrolls sideways, and axe-core finds no serious or
critical accessibility violation. The pages come from the app's own routes, so a new page
cannot be missed: one without a visit below fails the first test."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import scenario
from fastapi.routing import APIRoute

from conftest import PASSWORD, LiveService
from patrolgate.web import ROUTERS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WIDTHS = (390, 1366)
#: Screenshots go to a temporary folder, never over tracked files.
SHOTS = Path(os.environ.get("PATROLGATE_SCREENSHOTS") or tempfile.gettempdir()) / (
    "patrolgate-every-page"
)
#: Not pages: files and data the pages link to.
NOT_PAGES = (".csv", ".json", ".png")

#: Who visits each page (None: nobody signed in). ``{deployment_id}`` is the demo deployment.
VISITS: dict[str, tuple[str | None, ...]] = {
    "/": ("proposer1",),
    "/login": (None,),
    "/map": ("analyst1",),
    "/inbox": ("proposer1", "sfc.adams", "bc.lambeth", "oversight1"),
    "/deployments": ("proposer1",),
    "/deployments/new": ("proposer1", "analyst1"),
    "/deployments/{deployment_id}": ("sfc.adams", "oversight1"),
    "/intelligence": ("analyst1",),
    "/oversight": ("oversight1",),
    "/algorithm": (None,),
    "/transparency": (None, "oversight1"),
}


def page_routes() -> set[str]:
    """The paths of every HTML page the browser UI answers GET on (its routers' routes)."""
    return {
        route.path
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        and "GET" in route.methods
        and not route.path.endswith(NOT_PAGES)
    }


def test_every_page_has_a_visit() -> None:
    """A page added to the web routers without a visit here fails this test."""
    routes = page_routes()
    missing = routes - set(VISITS)
    assert not missing, f"pages with no visit in VISITS: {sorted(missing)}"
    assert set(VISITS) <= routes, sorted(set(VISITS) - routes)


@pytest.fixture(scope="module")
def demo(live_service: LiveService) -> str:
    """An armed patrol authorised and running; an inspector's s60 whose report to a
    superintendent was missed (a notification for oversight)."""
    workflow, clock = live_service.workflow, live_service.clock
    deployment = scenario.ready_deployment(
        workflow, clock, area="E05000416", hours=12, start_in=0.5
    )
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward tonight.",
    )
    missed = scenario.ready_deployment(
        workflow, clock, profile="s60-statutory", area="E05000417", assess=False, hours=6
    )
    workflow.authorise(
        "insp1", missed, grounds="Reliable intelligence of imminent serious violence here."
    )
    clock.advance(hours=5)
    workflow.sweep()
    return deployment


@pytest.fixture
def browser_context(browser: Any) -> Iterator[Any]:
    """A fresh context; the viewport is set per width."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        yield context
    finally:
        context.close()


def _sign_in(context: Any, service: LiveService, login: str | None) -> Any:
    context.clear_cookies()
    page = context.new_page()
    if login is None:
        return page
    page.goto(f"{service.url}/login")
    page.get_by_label("User name").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/map")
    return page


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it stands.

    Injected with ``evaluate``: the pages' Content-Security-Policy (script-src 'self')
    refuses an inline script tag, and rightly so.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    return list(found)


def _visits() -> list[tuple[str, str | None]]:
    return [(path, login) for path, logins in VISITS.items() for login in logins]


@pytest.mark.parametrize(("path", "login"), _visits(), ids=lambda v: str(v))
def test_page_fits_and_passes_axe(
    browser_context: Any, live_service: LiveService, demo: str, path: str, login: str | None
) -> None:
    """No sideways scrolling at 390 and 1366 px; no serious or critical axe violation."""
    page = _sign_in(browser_context, live_service, login)
    url = live_service.url + path.replace("{deployment_id}", demo)
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(url, wait_until="networkidle")
        assert response is not None and response.status < 500, (path, login, response)
        page.wait_for_timeout(200)  # maps settle after their data arrive
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        if scroll > width:
            problems.append(f"{width} px: the page is {scroll} px wide")
        violations = axe_violations(page)
        if violations:
            problems.append(f"{width} px: axe: {json.dumps(violations, indent=1)}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = f"{path.strip('/').replace('/', '_').replace('{', '').replace('}', '') or 'home'}"
        page.screenshot(path=str(SHOTS / f"{name}-{login or 'public'}-{width}.png"), full_page=True)
    assert not problems, f"{path} as {login or 'the public'}:\n" + "\n".join(problems)


def _fits_and_passes(page: Any, name: str) -> list[str]:
    """At both widths: the page's width and axe's serious or critical findings; screenshots."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        if scroll > width:
            problems.append(f"{width} px: the page is {scroll} px wide")
        violations = axe_violations(page)
        if violations:
            problems.append(f"{width} px: axe: {json.dumps(violations, indent=1)}")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    return problems


def test_a_wrong_password_shows_its_error_on_the_form(
    browser_context: Any, live_service: LiveService
) -> None:
    """Refused with a message on the form (401), still at /login, never ?next=/login."""
    page = browser_context.new_page()
    page.goto(f"{live_service.url}/login")
    page.get_by_label("User name").fill("proposer1")
    page.get_by_label("Password").fill("not the password at all")
    with page.expect_response(
        lambda r: r.url.endswith("/login") and r.request.method == "POST"
    ) as posted:
        page.get_by_role("button", name="Sign in").click()
    assert posted.value.status == 401
    assert page.url == f"{live_service.url}/login"
    assert "Not signed in" in page.get_by_test_id("signin-error").inner_text()
    assert page.get_by_label("User name").input_value() == "proposer1"
    assert page.get_by_test_id("public-link").is_visible()
    assert not _fits_and_passes(page, "login-error")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/map")


def test_the_area_picker_filters_wards_and_previews_the_choice(
    browser_context: Any, live_service: LiveService
) -> None:
    """Typing filters wards by name and borough; the map opens on London and outlines the
    chosen ward; the last step has no "Next"."""
    page = _sign_in(browser_context, live_service, "proposer1")
    page.goto(f"{live_service.url}/deployments/new")
    page.get_by_label("Start (local time)").fill("2021-01-12T20:00")
    page.get_by_label("End (local time)").fill("2021-01-13T02:00")
    page.get_by_role("button", name="Next").click()
    holder = page.locator("#draw-map")
    page.wait_for_selector("#draw-map .leaflet-overlay-pane path")
    page.wait_for_timeout(400)
    drawn = page.locator("#draw-map .leaflet-overlay-pane svg").bounding_box()
    box = holder.bounding_box()
    assert drawn is not None and box is not None
    assert drawn["width"] >= 0.6 * box["width"], (drawn, box)  # London fills it: no world view
    wards = page.locator("#area-wards option")
    total = wards.count()
    page.get_by_label("Find a ward or borough").fill("bishop")
    visible = page.locator("#area-wards option:not([hidden])")
    names = visible.all_inner_texts()
    assert 0 < len(names) < total and all("bishop" in n.lower() for n in names)
    assert all(", " in n for n in names)  # each with its borough
    page.get_by_label("Find a ward or borough").fill("lambeth")
    assert all(
        "lambeth" in n.lower()
        for n in page.locator("#area-wards option:not([hidden])").all_inner_texts()
    )
    page.locator("#area-wards").select_option("E05000416")
    assert "Lambeth" in page.get_by_test_id("area-chosen").inner_text()
    page.wait_for_function(
        "() => document.querySelectorAll('#draw-map .leaflet-overlay-pane path').length > 33"
    )
    page.wait_for_timeout(600)
    problems = _fits_and_passes(page, "propose-picker")
    page.get_by_role("button", name="Next").click()
    for _ in range(2):  # steps 3 and 4: their required fields, then on
        fields = page.locator(".step.current textarea[required]")
        for i in range(fields.count()):
            fields.nth(i).fill("Words enough to pass the length check of this field.")
        page.get_by_role("button", name="Next").click()
    assert page.locator(".step.current > legend").inner_text().startswith("Step 5 of 5")
    assert page.locator("#step-next").is_hidden()  # no dead "Next" on the last step
    assert page.get_by_role("button", name="Submit the proposal").is_visible()
    assert not problems, "\n".join(problems)


def test_the_area_picker_works_without_javascript(browser: Any, live_service: LiveService) -> None:
    """Without JavaScript: every step shows, the wards are a plain list named with their
    borough, the search box and the step buttons are not offered."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 900})
    try:
        page = _sign_in(context, live_service, "proposer1")
        page.goto(f"{live_service.url}/deployments/new")
        assert page.locator("fieldset.step").count() == 5
        assert all(page.locator("fieldset.step").nth(i).is_visible() for i in range(5))
        assert page.get_by_label("Wards").is_visible()
        assert page.locator("#area-wards option[value='E05000416']").inner_text() == (
            "Bishop's, Lambeth"
        )
        assert not page.locator("#area-search").is_visible()
        assert not page.locator("#step-next").is_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
