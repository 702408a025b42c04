"""schemathesis against the OpenAPI document, every check on (the CLI's ``--checks all``):
valid and invalid examples of every operation, bounded; no 5xx, responses conform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config._checks import PositiveDataAcceptanceConfig
from world import build_world

from patrolgate.settings import Settings
from patrolgate.store import create_database

#: Examples per operation and generation mode: about 40 operations x 2 modes x 5 examples
#: take well under a minute, so the whole suite stays far inside its CI budget.
EXAMPLES = 5

#: What schema-valid data may be answered with. Valid by the schema is not always valid
#: by the rules (an unknown area code, an end before the start, a deployment in the wrong
#: state): the domain answers 422 for those, on purpose. 5xx is never accepted.
ACCEPTED_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The app over the small world, signed in as a strategic commander through a token."""
    home: Path = tmp_path_factory.mktemp("fuzz")
    app_settings = Settings(home=home)
    database = create_database(app_settings.resolved_database_url)
    database.migrate()
    world = build_world(app_settings, database)
    world.ready_deployment()
    token, _ = world.app.state.services.accounts.create_token("sfc.adams", "fuzz")
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", world.app)
    schema.config.headers = {"Authorization": f"Bearer {token}"}
    schema.config.checks.update(included_check_names=["all"])
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=ACCEPTED_STATUSES
    )
    return schema


def _every_check() -> list[Any]:
    """Every check schemathesis registers (what ``--checks all`` runs)."""
    load_all_checks()
    return [check for check in CHECKS.get_all() if not isinstance(check, type)]


def test_every_check_is_on(api_schema: Any) -> None:
    """No check is left out: the set run below is every registered one, all enabled."""
    names = {check.__name__ for check in _every_check()}
    assert {"not_a_server_error", "positive_data_acceptance", "negative_data_rejection"} <= names
    config = api_schema.config.checks
    assert all(config.get_by_name(name=name).enabled for name in names)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms(api_schema: Any, mode: GenerationMode) -> None:
    """Every operation, valid and invalid examples: no server errors; status codes, content
    types, headers and bodies as documented; invalid data refused, valid data accepted."""
    failures: list[str] = []
    calls: list[int] = []
    checks = _every_check()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 30
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            calls.append(1)
            case.call_and_validate(headers=api_schema.config.headers, checks=checks)

        try:
            run()
        except Unsatisfiable:
            # Nothing to make invalid (no parameters, no body): no negative example exists.
            assert mode is GenerationMode.NEGATIVE, operation.label
        except (Exception, BaseExceptionGroup) as error:  # report every operation's failure
            failures.append(f"{operation.label}: {str(error)[:600]}")
    assert failures == [], "\n\n".join(failures)
    assert len(calls) >= len(operations)  # examples really ran
