"""The evaluation of an ended deployment on its page, in a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import scenario
from test_oversight_pages import WARD, sign_in

from conftest import LiveService, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at a laptop width."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield ctx
    finally:
        ctx.close()


def test_deployment_page_shows_the_evaluation_of_an_ended_deployment(
    context: Any, live_service: LiveService
) -> None:
    """Stood down: the Evaluation section shows the series plot (decoded) and the verdict."""
    workflow, clock = live_service.workflow, live_service.clock
    deployment = scenario.ready_deployment(workflow, clock, area=WARD, start_in=0.01, hours=6)
    workflow.authorise(
        "sfc.dac",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    clock.advance(minutes=30)
    workflow.sweep()
    workflow.complete("sfc.dac", deployment, reason="Calm restored.")
    clock.advance(minutes=5)

    page = sign_in(context, live_service, "bc.lambeth")
    page.goto(f"{live_service.url}/deployments/{deployment}")
    section = page.get_by_test_id("evaluation")
    section.get_by_role("heading", name="Evaluation").wait_for()
    image = section.get_by_role("img", name="Step chart of events per day")
    image.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=evaluation-plot]');"
        " return i && i.complete && i.naturalWidth > 0; }",
        timeout=120_000,
    )
    verdict = page.get_by_test_id("verdict")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=verdict]').textContent.startsWith('Verdict')",
        timeout=120_000,
    )
    assert verdict.text_content().startswith("Verdict: ")
    image.scroll_into_view_if_needed()
    shot(page, "deployment-evaluation")
