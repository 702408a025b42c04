"""Each role's way in, over HTTP: the navigation each role sees, inboxes that list only
what the role and borough may act on, sign-in refusals on the form, the area picker."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from world import CAST, PASSWORD, World, build_world, login_csrf, scenario

from patrolgate.policy import Rank, Role
from patrolgate.settings import Settings
from patrolgate.store import Database

HTML = {"Accept": "text/html"}


@pytest.fixture
def world(settings: Settings, database: Database) -> World:
    """The API tests' small world: two boroughs, three wards, the cast."""
    return build_world(settings, database)


def _page(world: World, login: str, path: str) -> str:
    client, _ = world.signed_in(login)
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, response.text[:300]
    return response.text


def _nav(html: str) -> str:
    return html.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]


def test_propose_is_offered_to_the_roles_the_profiles_let_propose(world: World) -> None:
    """The navigation's Propose follows every installed profile's [propose] declaration."""
    profiles = world.workflow.list_profiles("admin")
    for login, (role, rank, _) in CAST.items():
        may = any(p.profile.propose.allows(Role(role), Rank(rank)) for p in profiles)
        nav = _nav(_page(world, login, "/deployments"))
        assert ('href="/deployments/new"' in nav) is may, login
        assert ('href="/oversight"' in nav) is (role == "oversight"), login
    assert not any(
        p.profile.propose.allows(Role.ANALYST, Rank.STAFF) for p in profiles
    )  # so the analyst's page below is a refusal
    refused = _page(world, "analyst1", "/deployments/new")
    assert 'data-testid="may-not-propose"' in refused and 'id="propose"' not in refused


def test_the_inbox_count_is_in_the_navigation(world: World) -> None:
    """A deployment awaiting authorisation: 1 in the authoriser's navigation (the inbox
    names the power and the ward), none for an analyst."""
    world.ready_deployment()
    nav = _nav(_page(world, "sfc.adams", "/map"))
    assert re.search(r'data-testid="inbox-count">1<', nav)
    assert 'data-testid="inbox-count"' not in _nav(_page(world, "analyst1", "/map"))
    inbox = _page(world, "sfc.adams", "/inbox")
    assert "Armed foot patrol in an area" in inbox and " in Brixton Hill," in inbox


def test_the_deployment_list_names_the_power_and_the_wards(world: World) -> None:
    """The list says what and where in words: the power's title and the ward's name."""
    deployment = world.ready_deployment()
    listed = _page(world, "analyst1", "/deployments")
    row = listed.split(f'href="/deployments/{deployment}"', 1)[1].split("</tr>", 1)[0]
    assert "Armed foot patrol in an area" in row and "Brixton Hill" in row
    assert "armed-patrol" not in row


def test_oversight_sees_its_notifications_in_its_inbox(world: World) -> None:
    """An inspector's s60 not reported to a superintendent in time: oversight's inbox says
    so (it used to say "Nothing awaits you")."""
    told = world.ready_deployment(profile="s60-statutory", assess=False)
    world.workflow.authorise(
        "insp1", told, grounds="Reliable intelligence of imminent serious violence in the ward."
    )
    world.clock.advance(hours=5)
    world.workflow.sweep()
    overdue = _page(world, "oversight1", "/inbox")
    assert "deadline missed" in overdue and told in overdue
    assert "Section 60 stop and search" in overdue and " in Brixton Hill," in overdue
    assert 'data-testid="inbox-notifications"' not in overdue  # listed once, as overdue
    assert re.search(r'data-testid="inbox-count">1<', _nav(overdue))
    world.workflow.record_notice("tfc1", told, informed="tfc1", note="By phone, late.")
    html = _page(world, "oversight1", "/inbox")
    assert 'data-testid="inbox-notifications"' in html
    assert "deadline missed" in html and told in html
    assert 'data-testid="inbox-empty"' not in html
    assert 'data-testid="inbox-count"' in _nav(html)


def test_debrief_due_only_to_those_who_may_debrief_it(world: World) -> None:
    """An ended Lambeth armed patrol: the debrief is owed to its proposer and authoriser,
    never to Southwark's commander or another strategic commander."""
    deployment = world.ready_deployment(hours=6)
    world.workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward tonight.",
    )
    world.clock.advance(hours=8)
    world.workflow.sweep()
    for login in ("proposer1", "sfc.adams"):
        assert "debrief due" in _page(world, login, "/inbox"), login
    for login in ("bc.southwark", "sfc.cdr", "tfc1", "analyst1"):
        assert deployment not in _page(world, login, "/inbox"), login


def _post_login(client: object, login: str, password: str, next_: str) -> object:
    return client.post(  # type: ignore[attr-defined]
        "/login",
        data={
            "login": login,
            "password": password,
            "csrf_token": login_csrf(client),  # type: ignore[arg-type]
            "next": next_,
        },
        headers=HTML,
        follow_redirects=False,
    )


def test_a_wrong_password_is_refused_on_the_form(world: World) -> None:
    """401 with the message on the form, the user name kept, ``next`` kept; never a
    redirect to ``/login?next=/login``."""
    client = world.client()
    response = _post_login(client, "proposer1", "not the password", "/deployments")
    assert response.status_code == 401  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert 'data-testid="signin-error"' in html and 'role="alert"' in html
    assert 'value="proposer1"' in html and 'name="next" value="/deployments"' in html
    good = _post_login(client, "proposer1", PASSWORD, "/deployments")
    assert good.status_code == 303  # type: ignore[attr-defined]
    assert good.headers["location"] == "/deployments"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "target",
    [
        "/login",
        "/login?next=/login",
        "/logout",
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/login/",
    ],
)
def test_next_never_points_at_the_form_or_elsewhere(world: World, target: str) -> None:
    """The form carries and the sign-in follows only a local path other than /login."""
    client = world.client()
    form = client.get("/login", params={"next": target}, headers=HTML).text
    assert 'name="next" value="/map"' in form
    signed = _post_login(client, "proposer1", PASSWORD, target)
    assert signed.headers["location"] == "/map"  # type: ignore[attr-defined]


def test_signed_in_users_are_offered_the_way_on_and_the_public_pages(world: World) -> None:
    """Signed in, /login offers "continue to" the target; the form links to the public
    report and algorithm record."""
    client, _ = world.signed_in("proposer1")
    html = client.get("/login", params={"next": "/inbox"}, headers=HTML).text
    assert 'data-testid="already-signed-in"' in html and 'href="/inbox"' in html
    anonymous = world.client().get("/login", headers=HTML).text
    assert 'href="/transparency"' in anonymous and 'href="/algorithm"' in anonymous


def test_the_area_picker_names_wards_with_their_borough(world: World) -> None:
    """Ward options carry the borough (names repeat across London) and a search key."""
    html = _page(world, "proposer1", "/deployments/new")
    assert f'<option value="{scenario.WARD_L1}" data-search="brixton hill, lambeth">' in html
    assert "Brixton Hill, Lambeth</option>" in html
    assert 'id="area-search"' in html


def test_public_report_variants_publish_the_same_figures(world: World) -> None:
    """The page, the CSV and the JSON: plain words, and the same withheld outcomes."""
    deployment = world.ready_deployment(hours=6)
    world.workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward tonight.",
    )
    world.clock.advance(hours=8)
    world.workflow.sweep()
    world.workflow.debrief("proposer1", deployment, scenario.debrief(outcomes={"arrests": 1}))
    client = world.client()
    report = client.get("/transparency.json", params={"month": "2026-06"}).json()
    (row,) = report["boroughs"]
    assert row["outcomes"] == {"arrests": "withheld"}
    csv = client.get("/transparency.csv", params={"month": "2026-06"}).text
    assert "arrests: withheld" in csv and "arrests: 1" not in csv
    html = client.get("/transparency", params={"month": "2026-06"}, headers=HTML).text
    main = html.split('<main id="main"', 1)[1]
    assert "arrests: withheld" in main and "arrests: 1" not in main
    assert "armed-patrol<" not in main and "imminent-intelligence" not in main
    assert "Armed police foot patrol" in main and "Brixton Hill" in main
