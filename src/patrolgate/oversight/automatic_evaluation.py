"""Every deployment that ended is evaluated, without anyone asking, once its after period
has passed: the verdict is stored with the deployment and put on the audit trail.

Run by the service's sweeper loop and by ``patrolgate sweep``, a few deployments per pass
(an evaluation fits a forecast and takes seconds). A deployment that cannot be evaluated
(no events, no areas) is recorded as such, with the reason, and not tried again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from patrolgate.errors import PatrolGateError
from patrolgate.evaluation import DeploymentEvaluation, EvaluationDesign
from patrolgate.forecast import DEFAULT_MODEL
from patrolgate.oversight.evaluations import effective_end, evaluate_stored, is_ended
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.audit_repository import append_entry
from patrolgate.store.evaluation_queries import StoredDeployment, authorised_deployments
from patrolgate.store.workflow_tables import DeploymentEvaluationRow

#: Evaluations run per pass, at most: each one fits a forecast model.
PER_PASS = 3
NOT_EVALUABLE = "not-evaluable"


@dataclass(frozen=True)
class Evaluated:
    """One deployment evaluated automatically."""

    deployment_id: str
    verdict: str
    summary: str

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {
            "deployment_id": self.deployment_id,
            "verdict": self.verdict,
            "summary": self.summary,
        }


def evaluations_due(
    database: Database, now: datetime, design: EvaluationDesign | None = None
) -> list[StoredDeployment]:
    """Ended deployments whose after period has passed and that have no evaluation yet."""
    design = design or EvaluationDesign()
    with database.reads() as session:
        done = set(session.scalars(select(DeploymentEvaluationRow.deployment_id)))
    return [
        d
        for d in authorised_deployments(database)
        if d.id not in done
        and is_ended(d, now)
        and effective_end(d, now) + design.after + timedelta(days=1) <= now
    ]


def _record(
    database: Database,
    deployment_id: str,
    now: datetime,
    verdict: str,
    summary: str,
    result: dict[str, Any] | None,
    settings: dict[str, Any],
) -> bool:
    with database.transaction() as session:
        if session.get(DeploymentEvaluationRow, deployment_id) is not None:
            return False  # another worker evaluated it meanwhile
        session.add(
            DeploymentEvaluationRow(
                deployment_id=deployment_id,
                evaluated_at=now,
                verdict=verdict,
                summary=summary,
                result=result,
            )
        )
        session.flush()
        append_entry(
            session,
            recorded_at=now,
            actor=None,
            action="deployment.evaluated",
            deployment_id=deployment_id,
            reason=summary,
            payload={"verdict": verdict, "settings": settings},
        )
    return True


def evaluate_due(
    database: Database,
    settings: Settings,
    now: datetime,
    *,
    design: EvaluationDesign | None = None,
    model: str = DEFAULT_MODEL,
    limit: int = PER_PASS,
) -> list[Evaluated]:
    """Evaluate (up to ``limit``) deployments whose evaluation is due; record each."""
    design = design or EvaluationDesign()
    chosen = evaluations_due(database, now, design)[:limit]
    config = {
        "model": model,
        "before_days": design.before.days,
        "after_days": design.after.days,
        "buffer_m": design.buffer_m,
        "controls": design.n_controls,
    }
    done: list[Evaluated] = []
    for deployment, outcome in zip(
        chosen, _evaluate(database, settings, chosen, now, design, model), strict=True
    ):
        if isinstance(outcome, DeploymentEvaluation):
            verdict, summary = outcome.verdict.value, outcome.summary
            result: dict[str, Any] | None = outcome.to_dict()
        else:
            verdict, summary, result = NOT_EVALUABLE, f"not evaluable: {outcome}", None
        if _record(database, deployment.id, now, verdict, summary, result, config):
            done.append(Evaluated(deployment.id, verdict, summary))
    return done


def _evaluate(
    database: Database,
    settings: Settings,
    chosen: Sequence[StoredDeployment],
    now: datetime,
    design: EvaluationDesign,
    model: str,
) -> list[DeploymentEvaluation | str]:
    """Each deployment's evaluation, or why it cannot be evaluated (together when possible)."""
    if not chosen:
        return []
    try:
        return list(evaluate_stored(database, settings, chosen, now, design=design, model=model))
    except (PatrolGateError, ValueError):
        pass  # one of them cannot be evaluated: each on its own, to say which
    outcomes: list[DeploymentEvaluation | str] = []
    for deployment in chosen:
        try:
            outcomes += evaluate_stored(
                database, settings, [deployment], now, design=design, model=model
            )
        except (PatrolGateError, ValueError) as error:
            outcomes.append(str(error) or type(error).__name__)
    return outcomes
