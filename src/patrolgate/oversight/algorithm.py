"""An Algorithmic Transparency Recording Standard record (tier 1 and tier 2), from live settings.

Every value that can change is read when the record is generated: the default model and
its hyperparameters, the cell size, the categories forecasts read, the policy profiles, the
retention schedule, the events held, and the latest recorded backtest. Where something is
not recorded the record says so rather than inventing a figure.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from patrolgate.audit import canonical
from patrolgate.errors import InvalidInput
from patrolgate.events.taxonomy import CATEGORIES, SERIOUS_VIOLENCE
from patrolgate.forecast import DEFAULT_MODEL, make_model
from patrolgate.policy import load_profile, load_retention, shipped_profile_names
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.oversight_tables import BacktestRecordRow
from patrolgate.store.tables import EventRow

ORGANISATION = "The police force running PatrolGate (configure per deployment of the system)"

RISKS: tuple[tuple[str, str], ...] = (
    (
        "Feedback loop: more patrols find more recorded crime, which draws more patrols "
        "(Liberty 2019; RUSI 2019/2020).",
        "Forecasts read victim-reported harm only by default (homicide, violence with injury, "
        "knife and gun violence, robbery); police-generated detections (possession, drugs, "
        "stop and search) are excluded unless an analyst asks for them explicitly.",
    ),
    (
        "Biased or incomplete recording concentrates forecasts in some communities.",
        "The exposure report publishes forecast top cells and deployment hours by deprivation "
        "decile (IMD 2019) next to where victim-reported harm falls, so over-policing shows as "
        "a number; community confidence (MOPAC PAS) is watched by borough.",
    ),
    (
        "The forecast is read as a decision, or as a statement about people.",
        "The forecast is an input to a human decision under a statutory or policy test; "
        "authorisation needs the ranks, consultation and impact assessment of the policy "
        "profile. The system holds no person entities and no person scores (ICO Gangs "
        "Matrix notice, 2018).",
    ),
    (
        "Exceptional powers become routine.",
        "Rarity guard-rails in each profile escalate authorisation and notify oversight; the "
        "rarity monitor reports rolling 28/90/365-day use per borough and area.",
    ),
    (
        "A model that looks accurate is not; accuracy drifts.",
        "Rolling-origin backtests with held-out windows (hit rate, PAI, PEI*); the default "
        "model is the backtest winner, not the most sophisticated; this record shows the "
        "latest recorded backtest or says none is recorded.",
    ),
    (
        "Records are rewritten after the fact.",
        "An append-only, hash-chained audit trail with database triggers; the chain head is "
        "published with each monthly transparency report.",
    ),
)


def record_backtest(database: Database, document: dict[str, Any], now: datetime) -> int:
    """Keep a backtest result (JSON from ``patrolgate backtest --format json``); returns its id."""
    models = document.get("models")
    if not isinstance(models, list) or not all(isinstance(m, dict) for m in models):
        raise InvalidInput("not a backtest result: no 'models' list (use --format json)")
    for model in models:
        missing = [k for k in ("name", "hit_rate", "pai", "coverage") if k not in model]
        if missing:
            raise InvalidInput(f"not a backtest result: a model lacks {', '.join(missing)}")
    digest = hashlib.sha256(canonical(document)).hexdigest()
    with database.transaction() as session:
        found = session.scalar(
            select(BacktestRecordRow.id).where(BacktestRecordRow.sha256 == digest)
        )
        if found is not None:
            return int(found)
        row = BacktestRecordRow(recorded_at=now, sha256=digest, document=document)
        session.add(row)
        session.flush()
        return int(row.id)


def latest_backtest(database: Database) -> dict[str, Any] | None:
    """The most recently recorded backtest result, with when it was recorded."""
    with database.sessions() as session:
        row = session.scalars(
            select(BacktestRecordRow).order_by(BacktestRecordRow.recorded_at.desc()).limit(1)
        ).first()
    if row is None:
        return None
    return {"recorded_at": row.recorded_at.isoformat(), "sha256": row.sha256, **row.document}


def _accuracy(backtest: dict[str, Any] | None, model: str) -> dict[str, Any]:
    if backtest is None:
        return {
            "status": "none recorded",
            "statement": "No backtest result is recorded for this installation. Run "
            "`patrolgate backtest --format json > result.json` and record it with "
            "`patrolgate report algorithm --record-backtest result.json`.",
        }
    chosen = next((m for m in backtest["models"] if m.get("name") == model), None)
    summary = {
        "status": "recorded",
        "recorded_at": backtest["recorded_at"],
        "period": {"from": backtest.get("from"), "to": backtest.get("to")},
        "window_days": backtest.get("window_days"),
        "coverage": backtest.get("coverage"),
        "models_compared": [m.get("name") for m in backtest["models"]],
    }
    if chosen is None:
        summary["statement"] = f"The latest backtest did not include the model in use ({model})."
        return summary
    summary.update(
        {
            "model": model,
            "forecasts": chosen.get("n_forecasts"),
            "events": chosen.get("n_events"),
            "hit_rate": chosen.get("hit_rate"),
            "pai": chosen.get("pai"),
            "pei": chosen.get("pei"),
            "pei_star": chosen.get("pei_star"),
            "pai_minus_naive": chosen.get("pai_minus_naive"),
            "statement": f"Over held-out windows, the top {chosen.get('coverage'):.0%} of the "
            f"area forecast by {model} held {chosen.get('hit_rate'):.1%} of later events "
            f"(PAI {chosen.get('pai'):.2f}).",
        }
    )
    return summary


def _events_held(database: Database) -> list[dict[str, Any]]:
    with database.sessions() as session:
        rows = session.execute(
            select(EventRow.source, EventRow.category, func.count()).group_by(
                EventRow.source, EventRow.category
            )
        ).all()
    return [
        {"source": s, "category": c, "events": int(n)}
        for s, c, n in sorted(rows, key=lambda r: (r[0], r[1]))
    ]


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def algorithm_record(database: Database, settings: Settings) -> dict[str, Any]:
    """The ATRS record of the forecasting tool as configured now."""
    model = make_model(DEFAULT_MODEL, timezone=settings.timezone)
    params = _plain({k: v for k, v in model.get_params().items() if not isinstance(v, dict)})
    profiles = [load_profile(n) for n in shipped_profile_names()]
    retention = load_retention()
    backtest = latest_backtest(database)
    inputs = sorted(c.value for c in SERIOUS_VIOLENCE)
    return {
        "standard": "Algorithmic Transparency Recording Standard (UK), tier 1 and tier 2",
        "generated_at": settings.clock_now().isoformat(),
        "tier_1": {
            "name": "PatrolGate area forecast",
            "description": "Forecasts where victim-reported serious violence is most likely in "
            "the coming window, on a grid of square cells, as one input to a commander's "
            "decision on an exceptional, area-based deployment (armed foot patrol, section 60, "
            "dispersal). It never scores or lists people.",
            "how_it_is_used": "An analyst runs the forecast; a proposal may attach it as a "
            "snapshot; authorisation is a human decision under the policy profile's test.",
            "why_it_is_used": "To base rare, intrusive deployments on a measured picture of "
            "where harm is, instead of impressions, and to show the public that picture.",
            "phase": "production" if settings.mode.value == "production" else "pilot/demo",
            "contact": "the force's transparency or information governance team",
        },
        "tier_2": {
            "owner_and_responsibility": {
                "organisation": ORGANISATION,
                "senior_responsible_owner": "the strategic commander (role, not a named person)",
                "oversight": "MOPAC (Mayor's Office for Policing and Crime) sees aggregates and "
                "notifications; it does not authorise",
                "supplier": "open source, run by the force",
            },
            "description_and_rationale": {
                "model_in_use": DEFAULT_MODEL,
                "why_this_model": "the default is the model that won the held-out backtest, "
                "not the most sophisticated one",
                "hyperparameters": params,
                "cell_size_m": settings.cell_size,
                "alternatives": "naive counts, kernel density, prospective hot spots, SEPP, "
                "seasonal, ensemble (all selectable; compared by backtest)",
            },
            "decision_process": {
                "human_decision": "authorisation under a policy profile: "
                + "; ".join(f"{p.name}: {p.authorise.describe()}" for p in profiles),
                "profiles": [
                    {
                        "name": p.name,
                        "title": p.title,
                        "rarity": f"at most {p.rarity.max_deployments} deployment(s) or "
                        f"{p.rarity.max_hours:g} h per borough in {p.rarity.period_days} days "
                        "before escalation and an oversight notification",
                    }
                    for p in profiles
                ],
                "review": "every deployment is debriefed and evaluated against a control area",
            },
            "data": {
                "inputs": inputs,
                "input_descriptions": {
                    c.value: CATEGORIES[c].description for c in SERIOUS_VIOLENCE
                },
                "excluded_by_default": "police-generated activity: "
                + ", ".join(
                    sorted(c.value for c, i in CATEGORIES.items() if not i.victim_reported)
                ),
                "no_personal_data": "no names, ages, sexes or ethnicities are stored or used",
                "events_held": _events_held(database),
                "retention_days": {
                    "intelligence_text": retention.intelligence_text_days,
                    "deployment_narrative": retention.deployment_narrative_days,
                    "unauthorised_proposal": retention.unauthorised_proposal_days,
                },
            },
            "accuracy": _accuracy(backtest, DEFAULT_MODEL),
            "risks_and_mitigations": [{"risk": r, "mitigation": m} for r, m in RISKS],
            "impact_assessments": "a community impact assessment per deployment (recorded in "
            "the workflow); the exposure report by deprivation decile; a data protection and "
            "equality impact assessment of the system are the force's to publish",
        },
    }
