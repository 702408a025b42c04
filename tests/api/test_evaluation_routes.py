"""Evaluation in the web service: a deployment's series PNG and JSON, the forest plot."""

from __future__ import annotations

from world import World, scenario

PNG = b"\x89PNG\r\n\x1a\n"


def _ended(world: World) -> str:
    """An armed patrol that ran for a minute and was stood down."""
    deployment = scenario.ready_deployment(world.workflow, world.clock, start_in=0.001)
    world.workflow.authorise(
        "sfc.dac",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    world.clock.advance(minutes=1)
    world.workflow.complete("sfc.dac", deployment, reason="Job done early.")
    world.clock.advance(hours=1)
    return deployment


def test_an_ended_deployment_has_its_plot_and_verdict(world: World) -> None:
    """PNG bytes, the verdict in JSON; a second request comes from the cache."""
    deployment = _ended(world)
    client, _ = world.signed_in("community1")
    image = client.get(f"/deployments/{deployment}/evaluation.png")
    assert image.status_code == 200, image.text
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(PNG)

    answer = client.get(f"/api/v1/deployments/{deployment}/evaluation")
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["deployment_id"] == deployment
    assert result["profile"] == "armed-patrol"
    # the world holds no events: the verdict says so rather than guessing
    assert result["verdict"] == "not-enough-data"
    assert result["summary"]
    assert len(world.app.state.evaluations.entries) == 1
    assert client.get(f"/api/v1/deployments/{deployment}/evaluation").json() == result
    assert len(world.app.state.evaluations.entries) == 1


def test_a_deployment_not_yet_ended_is_a_conflict(world: World) -> None:
    """Nothing to evaluate yet: 409 problem details, for the image too; unknown is 404."""
    deployment = world.ready_deployment()
    client, _ = world.signed_in("sfc.cdr")
    for url in (
        f"/api/v1/deployments/{deployment}/evaluation",
        f"/deployments/{deployment}/evaluation.png",
    ):
        response = client.get(url)
        assert response.status_code == 409, url
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "once ended" in response.json()["detail"]
    assert client.get("/api/v1/deployments/dep_missing/evaluation").status_code == 404


def test_anonymous_is_refused(world: World) -> None:
    """No account, no evaluation (the image sends a browser to sign in)."""
    deployment = _ended(world)
    client = world.client()
    assert client.get(f"/api/v1/deployments/{deployment}/evaluation").status_code == 401
    image = client.get(f"/deployments/{deployment}/evaluation.png", follow_redirects=False)
    assert image.status_code in (401, 303)
    assert not image.content.startswith(PNG)
    for url in ("/oversight/programme.png", "/oversight/programme.json"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code in (401, 303), url


def test_programme_forest_plot_for_oversight_and_commanders(world: World) -> None:
    """Oversight and commanders see the forest plot and pooled figures; others are refused."""
    _ended(world)
    for login in ("oversight1", "sfc.cdr", "tfc1", "bc.lambeth"):
        client, _ = world.signed_in(login)
        image = client.get("/oversight/programme.png")
        assert image.status_code == 200, (login, image.text)
        assert image.content.startswith(PNG)
    figures = client.get("/oversight/programme.json").json()
    assert figures["pooled"][0]["profile"] == "all"
    assert len(figures["deployments"]) == 1
    for login in ("analyst1", "proposer1", "community1", "admin"):
        client, _ = world.signed_in(login)
        assert client.get("/oversight/programme.png").status_code == 403, login
        assert client.get("/oversight/programme.json").status_code == 403, login


def test_no_programme_before_any_deployment_ends(world: World) -> None:
    """With nothing ended there is nothing to pool: 409."""
    client, _ = world.signed_in("oversight1")
    assert client.get("/oversight/programme.png").status_code == 409


def _revoked_at_once(world: World) -> str:
    """An armed patrol revoked within the second its powers began."""
    deployment = scenario.ready_deployment(world.workflow, world.clock, start_in=0.001)
    world.workflow.authorise(
        "sfc.dac", deployment, grounds="Reliable intelligence of imminent harm."
    )
    world.clock.advance(seconds=3.7)  # powers began at 3.6 s, in this same second
    world.workflow.revoke("sfc.dac", deployment, reason="Not needed after all.")
    world.clock.advance(hours=1)
    return deployment


def test_a_deployment_that_cannot_be_evaluated_is_reported_not_fatal(world: World) -> None:
    """One deployment revoked in the second it started: the programme still answers for
    everyone (200), pools the others and lists that one with its reason; asked for alone,
    that one answers 409 with the reason."""
    instant = _revoked_at_once(world)
    ended = _ended(world)
    client, _ = world.signed_in("oversight1")
    figures = client.get("/oversight/programme.json")
    assert figures.status_code == 200, figures.text
    body = figures.json()
    assert [d["id"] for d in body["deployments"]] == [ended]
    assert [u["id"] for u in body["unevaluated"]] == [instant]
    assert "within the second they began" in body["unevaluated"][0]["reason"]
    assert body["pooled"][0]["deployments"] == 1
    image = client.get("/oversight/programme.png")
    assert image.status_code == 200, image.text
    assert image.content.startswith(PNG)
    alone = client.get(f"/api/v1/deployments/{instant}/evaluation")
    assert alone.status_code == 409
    assert alone.headers["content-type"].startswith("application/problem+json")
    assert "within the second they began" in alone.json()["detail"]
    assert client.get(f"/deployments/{instant}/evaluation.png").status_code == 409


def test_the_only_deployment_unevaluable_still_answers(world: World) -> None:
    """Nothing else ended: the programme answers 200 with nothing pooled and the reason."""
    instant = _revoked_at_once(world)
    client, _ = world.signed_in("sfc.cdr")
    body = client.get("/oversight/programme.json").json()
    assert body["deployments"] == []
    assert [u["id"] for u in body["unevaluated"]] == [instant]
    assert body["pooled"][0]["verdict"] == "not-enough-data"
