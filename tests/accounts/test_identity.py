"""Identity (issue 12 item 4): demo accounts in demo mode only, the production CLI acts only as
a proved user, user administration, logins matched canonically."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from world import PASSWORD, World, build_world, sign_in

from patrolgate.accounts import Accounts
from patrolgate.accounts.demo import DEMO_PASSWORD, ensure_demo_accounts
from patrolgate.cli import app
from patrolgate.server import create_app
from patrolgate.settings import Mode, Settings
from patrolgate.store import Database, create_database
from patrolgate.workflow import Workflow
from patrolgate.workflow.errors import Conflict

runner = CliRunner()
SECRET = "Zq3x9R1v8LmP2sT7wK4yB6nH0cJ5dF8gA1eU3iO9pQ2"


@pytest.fixture
def world(settings: Settings, database: Database) -> World:
    """The app over the cast, every user with the test password."""
    return build_world(settings, database)


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """Run the CLI: exit code, standard output, standard error."""
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr if result.stderr_bytes else ""


# -- demo accounts ------------------------------------------------------------------------


@pytest.fixture
def demo_database(settings: Settings) -> Database:
    """A database built as `patrolgate demo` builds one (users and demo passwords)."""
    from tests.workflow.scenario import seed_areas

    database = create_database(settings.resolved_database_url)
    database.migrate()
    seed_areas(database)
    from patrolgate.workflow.demo_seed import DEMO_USERS

    workflow = Workflow.from_settings(database, settings)
    workflow.add_user(None, "admin", role="admin", rank="staff")
    for login, (role, rank, _) in DEMO_USERS.items():
        if role != "borough-commander":  # the test areas are not the demo's boroughs
            workflow.add_user("admin", login, role=role, rank=rank)
    accounts = Accounts(database, mode=Mode.DEMO)
    for login in ("admin", *(u for u in DEMO_USERS if not u.startswith("bc."))):
        accounts.set_password(None, login, DEMO_PASSWORD, demo=True)
    return database


def test_demo_accounts_sign_in_in_demo_mode_only(
    settings: Settings, demo_database: Database
) -> None:
    """Demo mode signs the demo admin in; development mode refuses, saying why."""
    demo = create_app(
        settings.model_copy(update={"mode": Mode.DEMO}), database=demo_database, sweep_every=None
    )
    from fastapi.testclient import TestClient

    assert (
        sign_in(TestClient(demo, base_url="http://127.0.0.1"), "admin", DEMO_PASSWORD).status_code
        == 303
    )
    development = create_app(settings, database=demo_database, sweep_every=None)
    refused = sign_in(TestClient(development, base_url="http://127.0.0.1"), "admin", DEMO_PASSWORD)
    assert refused.status_code == 403
    assert "demo accounts sign in in demo mode only" in refused.json()["detail"]


def test_a_production_start_on_a_demo_database_warns_and_disables_them(
    settings: Settings, demo_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """The demo accounts are deactivated on the record, with a warning in the log."""
    production = settings.model_copy(update={"mode": Mode.PRODUCTION, "secret_key": SECRET})
    with caplog.at_level(logging.WARNING, logger="patrolgate.api"):
        create_app(production, database=demo_database, sweep_every=None)
    assert "demo accounts deactivated" in caplog.text
    workflow = Workflow.from_settings(demo_database, settings)
    disabled = [e for e in workflow.export_audit() if e["action"] == "account.demo-disabled"]
    assert "admin" in disabled[0]["payload"]["logins"]
    with demo_database.engine.connect() as connection:
        active = connection.exec_driver_sql("SELECT count(*) FROM users WHERE active").scalar()
    assert active == 0


def test_demo_seeding_is_refused_outside_demo_mode(settings: Settings, database: Database) -> None:
    """`ensure_demo_accounts` itself refuses in development and production."""
    from patrolgate.errors import Refused

    with pytest.raises(Refused, match="demo mode only"):
        ensure_demo_accounts(database, settings)


# -- the production command line -------------------------------------------------------------


@pytest.fixture
def production(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A production home with an administrator whose password is the test one."""
    from tests.workflow.scenario import seed_areas

    database = create_database(settings.resolved_database_url)
    database.migrate()
    seed_areas(database)
    database.dispose()
    monkeypatch.setenv("PATROLGATE_MODE", "production")
    monkeypatch.setenv("PATROLGATE_SECRET_KEY", SECRET)
    code, _, err = invoke(
        "users",
        "add",
        "admin",
        "--role",
        "admin",
        "--rank",
        "staff",
        "--set-password",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert code == 0, err
    return settings


def test_production_cli_refuses_as_without_the_password(production: Settings) -> None:
    """`--as admin` with a wrong password (or none) acts as nobody; the right one acts."""
    args = ("users", "add", "tfc1", "--role", "tactical-commander", "--rank", "superintendent")
    code, _, err = invoke(*args, "--as", "admin", stdin="wrong password!\n")
    assert code == 3 and "wrong password" in err
    code, _, _ = invoke(*args, "--as", "admin", stdin="\n")
    assert code != 0
    code, out, err = invoke(*args, "--as", "admin", "--format", "json", stdin=f"{PASSWORD}\n")
    assert code == 0, err
    assert json.loads(out)["login"] == "tfc1"


def test_production_cli_acts_by_token_and_a_token_cannot_mint_tokens(
    production: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PATROLGATE_TOKEN names the actor; `--as` someone else is refused; tokens create none."""
    code, out, err = invoke(
        "tokens", "create", "nightly", "--as", "admin", "--format", "json", stdin=f"{PASSWORD}\n"
    )
    assert code == 0, err
    token = json.loads(out)["token"]
    monkeypatch.setenv("PATROLGATE_TOKEN", token)
    code, out, _ = invoke("users", "list", "--format", "json")
    assert code == 0 and json.loads(out)[0]["login"] == "admin"
    code, _, err = invoke("users", "list", "--as", "analyst1")
    assert code == 3 and "admin's token" in err
    code, _, err = invoke("tokens", "create", "another")
    assert code == 3 and "cannot create tokens" in err
    monkeypatch.setenv("PATROLGATE_TOKEN", token[:-3] + "xyz")
    code, _, err = invoke("users", "list")
    assert code == 3 and "PATROLGATE_TOKEN" in err


def test_development_cli_takes_as_as_given(settings: Settings) -> None:
    """Outside production `--as` is for trying things out: no password asked."""
    invoke("users", "add", "admin", "--role", "admin", "--rank", "staff")
    code, _, err = invoke(
        "users",
        "add",
        "tfc1",
        "--role",
        "tactical-commander",
        "--rank",
        "superintendent",
        "--as",
        "admin",
    )
    assert code == 0, err


# -- logins matched canonically -------------------------------------------------------------


@pytest.mark.parametrize("twin", ["TFC1 ", "tfc1\u200b", " Tfc1", "ＴＦＣ１"])
def test_a_new_user_who_is_an_existing_one_is_refused(world: World, twin: str) -> None:
    """`TFC1 `, a zero-width space, full-width letters: the same person as tfc1."""
    with pytest.raises(Conflict, match="already exists"):
        world.workflow.add_user("admin", twin, role="analyst", rank="staff")


def test_the_cli_refuses_twins_too(settings: Settings) -> None:
    """Through the command line: exit 5 (conflict), and --as is matched the same way."""
    invoke("users", "add", "admin", "--role", "admin", "--rank", "staff")
    invoke("users", "add", "tfc1", "--role", "analyst", "--rank", "staff", "--as", "admin")
    code, _, err = invoke(
        "users", "add", "TFC1 ", "--role", "analyst", "--rank", "staff", "--as", "ADMIN\u200b"
    )
    assert code == 5 and "same login" in err


# -- administration through the API -------------------------------------------------------


def test_deactivation_ends_sessions_and_tokens_at_once(world: World) -> None:
    """An administrator deactivates a user: their browser and their script stop at once."""
    victim, csrf = world.signed_in("proposer1")
    token = victim.post("/api/v1/tokens", json={"name": "s"}, headers={"X-CSRF-Token": csrf})
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    admin, admin_csrf = world.signed_in("admin")
    done = admin.post("/api/v1/users/proposer1/deactivate", headers={"X-CSRF-Token": admin_csrf})
    assert done.status_code == 200
    assert (done.json()["active"], done.json()["tokens_revoked"]) == (False, 1)
    assert victim.get("/api/v1/me").status_code == 401
    assert world.client().get("/api/v1/me", headers=bearer).status_code == 401
    assert sign_in(world.client(), "proposer1").status_code == 401
    other, other_csrf = world.signed_in("sfc.adams")
    refused = other.post("/api/v1/users/analyst1/deactivate", headers={"X-CSRF-Token": other_csrf})
    assert refused.status_code == 403
    admin.post("/api/v1/users/proposer1/activate", headers={"X-CSRF-Token": admin_csrf})
    assert sign_in(world.client(), "proposer1").status_code == 303


def test_a_password_change_needs_the_current_one_and_ends_other_access(world: World) -> None:
    """Wrong current one: refused. Right: other sessions end, tokens go, this session stays."""
    here, csrf = world.signed_in("analyst1")
    elsewhere, _ = world.signed_in("analyst1")
    token = here.post("/api/v1/tokens", json={"name": "s"}, headers={"X-CSRF-Token": csrf})
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    new = "a brand new password"
    wrong = here.put(
        "/api/v1/me/password",
        json={"current_password": "not it at all", "password": new},
        headers={"X-CSRF-Token": csrf},
    )
    assert wrong.status_code == 401
    right = here.put(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "password": new},
        headers={"X-CSRF-Token": csrf},
    )
    assert right.status_code == 204
    assert here.get("/api/v1/me").status_code == 200
    assert elsewhere.get("/api/v1/me").status_code == 401
    assert world.client().get("/api/v1/me", headers=bearer).status_code == 401
    assert sign_in(world.client(), "analyst1", new).status_code == 303


def test_an_administrator_resets_and_lists_another_users_tokens(world: World) -> None:
    """Reset ends the user's sessions and tokens; only an administrator lists or resets."""
    user, csrf = world.signed_in("tfc1")
    made = user.post("/api/v1/tokens", json={"name": "t"}, headers={"X-CSRF-Token": csrf}).json()
    admin, admin_csrf = world.signed_in("admin")
    listed = admin.get("/api/v1/users/tfc1/tokens").json()
    assert [t["id"] for t in listed] == [made["id"]]
    assert user.get("/api/v1/users/admin/tokens").status_code == 403
    reset = admin.put(
        "/api/v1/users/tfc1/password",
        json={"password": "reset by the admin"},
        headers={"X-CSRF-Token": admin_csrf},
    )
    assert reset.status_code == 204
    assert user.get("/api/v1/me").status_code == 401
    assert admin.get("/api/v1/users/tfc1/tokens").json()[0]["revoked_at"] is not None
    assert sign_in(world.client(), "tfc1", "reset by the admin").status_code == 303
    revoked = admin.delete(f"/api/v1/tokens/{made['id']}", headers={"X-CSRF-Token": admin_csrf})
    assert revoked.status_code == 200


def test_a_token_cannot_mint_tokens_through_the_api(world: World) -> None:
    """POST /api/v1/tokens with a bearer token: 403."""
    client, csrf = world.signed_in("proposer1")
    token = client.post("/api/v1/tokens", json={"name": "s"}, headers={"X-CSRF-Token": csrf})
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    minted = world.client().post("/api/v1/tokens", json={"name": "child"}, headers=bearer)
    assert minted.status_code == 403
    assert "cannot create tokens" in minted.json()["detail"]


def test_cli_user_administration(settings: Settings) -> None:
    """deactivate, activate, reset-password, change-password, tokens list/revoke by CLI."""
    invoke("users", "add", "admin", "--role", "admin", "--rank", "staff")
    code, _, err = invoke(
        "users",
        "add",
        "analyst1",
        "--role",
        "analyst",
        "--rank",
        "staff",
        "--as",
        "admin",
        "--set-password",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert code == 0, err
    code, out, _ = invoke("tokens", "create", "x", "--as", "analyst1", "--format", "json")
    token_id = json.loads(out)["id"]
    code, out, _ = invoke(
        "tokens", "list", "--user", "analyst1", "--as", "admin", "--format", "json"
    )
    assert [t["id"] for t in json.loads(out)] == [token_id]
    assert invoke("tokens", "list", "--user", "admin", "--as", "analyst1")[0] == 3
    code, out, _ = invoke("users", "deactivate", "analyst1", "--as", "admin", "--format", "json")
    assert code == 0 and json.loads(out)["tokens_revoked"] == 1
    assert invoke("users", "activate", "analyst1", "--as", "admin")[0] == 0
    new = "changed from the cli"
    code, _, err = invoke(
        "users", "change-password", "--as", "analyst1", stdin=f"wrong one!!\n{new}\n{new}\n"
    )
    assert code == 3
    code, _, err = invoke(
        "users", "change-password", "--as", "analyst1", stdin=f"{PASSWORD}\n{new}\n{new}\n"
    )
    assert code == 0, err
    code, _, err = invoke(
        "users", "reset-password", "analyst1", "--as", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert code == 0, err
    assert (
        invoke(
            "users",
            "reset-password",
            "admin",
            "--as",
            "analyst1",
            stdin="x" * 12 + "\n" + "x" * 12 + "\n",
        )[0]
        == 3
    )
