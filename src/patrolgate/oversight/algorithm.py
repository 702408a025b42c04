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
from patrolgate.forecast.registry import SUMMARIES
from patrolgate.forecast.results import BASELINE, why_sentence
from patrolgate.policy import load_profile, load_retention, shipped_profile_names
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.oversight_tables import BacktestRecordRow
from patrolgate.store.tables import EventRow, ImportRun

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


#: Purposes of recorded backtests: ``map:<window>`` for the map's windows, else ``cli``.
MAP_PURPOSE = "map:"
CLI_PURPOSE = "cli"
#: What the map says when the model did not beat three-year counts.
FALLBACK_STATEMENT = "The model no longer beats the baseline; showing counts."
NO_RECORD_STATEMENT = (
    "No backtest is recorded for this window yet (one is run after each import); the map "
    "shows three-year counts until one is."
)


def record_backtest(
    database: Database, document: dict[str, Any], now: datetime, purpose: str = CLI_PURPOSE
) -> int:
    """Keep a backtest result with its settings; returns its id (the same result is kept once).

    ``document`` is a result document (:mod:`patrolgate.forecast.results`, from
    ``patrolgate backtest --format json`` or the map's own backtests).
    """
    models = document.get("models")
    if not isinstance(models, list) or not all(isinstance(m, dict) for m in models):
        raise InvalidInput("not a backtest result: no 'models' list (use --format json)")
    for model in models:
        missing = [k for k in ("name", "hit_rate", "pai", "coverage") if k not in model]
        if missing:
            raise InvalidInput(f"not a backtest result: a model lacks {', '.join(missing)}")
    settings = document.get("settings")
    if not isinstance(settings, dict):
        raise InvalidInput(
            "not a backtest result with its settings: no 'settings' (use a result of "
            "`patrolgate backtest --format json` from this version)"
        )
    digest = hashlib.sha256(canonical(document)).hexdigest()
    data = document.get("data") if isinstance(document.get("data"), dict) else {}
    with database.transaction() as session:
        found = session.scalar(
            select(BacktestRecordRow.id).where(BacktestRecordRow.sha256 == digest)
        )
        if found is not None:
            return int(found)
        row = BacktestRecordRow(
            recorded_at=now,
            sha256=digest,
            document=document,
            purpose=purpose,
            models=_plain(settings.get("models")),
            categories=_plain(settings.get("categories")),
            cell_size=_number(settings.get("cell_size")),
            window=_text(settings.get("window")),
            refit=_text(settings.get("refit")),
            coverage=_number(settings.get("coverage")),
            period_from=_text(settings.get("from")),
            period_to=_text(settings.get("to")),
            data_digest=_text((data or {}).get("digest"), 64),
            winner=_text((document.get("comparison") or {}).get("winner")),
        )
        session.add(row)
        session.flush()
        return int(row.id)


def _text(value: Any, length: int = 40) -> str | None:
    return None if value is None else str(value)[:length]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _row_document(row: BacktestRecordRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "recorded_at": row.recorded_at.isoformat(),
        "sha256": row.sha256,
        "purpose": row.purpose,
        **row.document,
    }


def latest_backtest(database: Database, purpose: str | None = None) -> dict[str, Any] | None:
    """The most recently recorded backtest (of ``purpose``, when given), with its record id."""
    query = select(BacktestRecordRow)
    if purpose is not None:
        query = query.where(BacktestRecordRow.purpose == purpose)
    with database.sessions() as session:
        row = session.scalars(
            query.order_by(BacktestRecordRow.recorded_at.desc(), BacktestRecordRow.id.desc())
        ).first()
        return None if row is None else _row_document(row)


def map_backtests(database: Database) -> dict[str, dict[str, Any]]:
    """The latest recorded backtest of each map window, by window (``1d``, ``8h``, ...)."""
    newest = (
        select(func.max(BacktestRecordRow.id))
        .where(BacktestRecordRow.purpose.like(f"{MAP_PURPOSE}%"))
        .group_by(BacktestRecordRow.purpose)
    )
    with database.sessions() as session:
        rows = session.scalars(select(BacktestRecordRow).where(BacktestRecordRow.id.in_(newest)))
        return {str(row.purpose)[len(MAP_PURPOSE) :]: _row_document(row) for row in rows}


def model_in_use(document: dict[str, Any] | None) -> str:
    """The baseline gate: the recorded winner while it beats three-year counts, else counts."""
    if document is None:
        return BASELINE
    found = document.get("comparison") or {}
    return str(found["winner"]) if found.get("beats_baseline") else BASELINE


def recorded_accuracy(document: dict[str, Any] | None) -> dict[str, Any]:
    """What the map's legend, the accuracy API and the algorithm record say about a window.

    All three show the same recorded backtest, with all its settings, so they cannot
    disagree: the model in use (by the baseline gate), its hit rate and PAI at the map's
    coverage with the paired-bootstrap interval of its gain over three-year counts, the
    comparison's winner and margin, and the "why this model" sentence generated from them.
    """
    if document is None:
        return {
            "measured": False,
            "model": BASELINE,
            "gate": "no backtest recorded",
            "reason": NO_RECORD_STATEMENT,
        }
    settings = document.get("settings", {})
    coverage = float(settings.get("coverage") or document["models"][0]["coverage"])
    model = model_in_use(document)
    key = f"{coverage:g}"
    entries = {m["name"]: m for m in document["models"]}
    chosen = entries.get(model) or entries.get(BASELINE) or document["models"][0]
    figures = chosen.get("levels", {}).get(key) or {}
    baseline = (entries.get(BASELINE) or {}).get("levels", {}).get(key) or {}
    found = document.get("comparison") or {}
    events = float(figures.get("events") or 0.0)
    return {
        "measured": events > 0,
        "reason": None if events > 0 else "no events in the backtest period",
        "record_id": document.get("id"),
        "recorded_at": document.get("recorded_at"),
        "purpose": document.get("purpose"),
        "model": model,
        "gate": "model beats the baseline" if found.get("beats_baseline") else "baseline",
        "gate_statement": None if found.get("beats_baseline") else FALLBACK_STATEMENT,
        "settings": settings,
        "data": document.get("data"),
        "windows": figures.get("windows"),
        "events": round(events, 1),
        "coverage": coverage,
        "hit_rate": figures.get("hit_rate"),
        "pai": figures.get("pai"),
        "pei": figures.get("pei"),
        "pei_star": figures.get("pei_star"),
        "pai_minus_baseline": (chosen.get("versus_baseline") or {}).get(key),
        "baseline_hit_rate": baseline.get("hit_rate"),
        "baseline_pai": baseline.get("pai"),
        "comparison": found,
        "why": why_sentence(document),
    }


def _accuracy(database: Database) -> dict[str, Any]:
    windows = {window: recorded_accuracy(doc) for window, doc in map_backtests(database).items()}
    latest_cli = latest_backtest(database, CLI_PURPOSE)
    if not windows and latest_cli is None:
        return {
            "status": "none recorded",
            "statement": "No backtest result is recorded for this installation. Backtests of "
            "the map's windows are recorded after each import; `patrolgate backtest` records "
            "one of your own.",
        }
    summary: dict[str, Any] = {"status": "recorded", "windows": windows}
    day = windows.get("1d") or next(iter(windows.values()), None)
    if day is not None and day.get("measured"):
        summary["statement"] = (
            f"Over held-out windows ({day['windows']} of them, "
            f"{str(day['settings'].get('from'))[:10]} to {str(day['settings'].get('to'))[:10]}), "
            f"the top {day['coverage']:.0%} of the area forecast by {day['model']} held "
            f"{day['hit_rate']:.1%} of later events (PAI {day['pai']:.2f}). {day['why']}"
        )
    elif day is not None:
        summary["statement"] = f"The map's backtest measured nothing: {day.get('reason')}."
    if latest_cli is not None:
        compared = latest_cli.get("comparison") or {}
        summary["latest_command_backtest"] = {
            "recorded_at": latest_cli.get("recorded_at"),
            "settings": latest_cli.get("settings"),
            "models_compared": [m.get("name") for m in latest_cli["models"]],
            "comparison": compared,
            "why": why_sentence(latest_cli),
        }
        summary.setdefault("statement", why_sentence(latest_cli))
    return summary


#: Events held, by the data's version (the newest import run): a count over every event is
#: too slow for a public page (about a second for the demo's 860,000). Events that arrive
#: without an import run reach it through :func:`forget_events_held` (the picture calls it
#: when told that events changed).
_held: dict[tuple[str, int | None], list[dict[str, Any]]] = {}
#: How many times the counts were forgotten: part of the record's key, so that a record built
#: from counts since dropped is built again.
_forgotten = [0]


def forget_events_held() -> None:
    """Drop the remembered counts of events held (events changed)."""
    _held.clear()
    _forgotten[0] += 1


def _events_held(database: Database) -> list[dict[str, Any]]:
    with database.sessions() as session:
        version = session.scalar(select(func.max(ImportRun.id)))
    key = (str(database.url), version)
    if key not in _held:
        _held.clear()
        _held[key] = _count_events(database)
    return _held[key]


def _count_events(database: Database) -> list[dict[str, Any]]:
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


#: The last record built, by what it depends on (the newest backtest record and import run,
#: the settings it reads): a public page asks often and it changes only when those do.
_records: dict[tuple[Any, ...], dict[str, Any]] = {}


def algorithm_record(database: Database, settings: Settings) -> dict[str, Any]:
    """The ATRS record of the forecasting tool as configured now.

    Built once per change of what it reads (two indexed queries tell), then only its
    ``generated_at`` is new.
    """
    with database.sessions() as session:
        key = (
            str(database.url),
            session.scalar(select(func.max(BacktestRecordRow.id))),
            session.scalar(select(func.max(ImportRun.id))),
            settings.cell_size,
            settings.timezone,
            settings.mode.value,
            _forgotten[0],
        )
    if key not in _records:
        _records.clear()
        _records[key] = _build_record(database, settings)
    return {**_records[key], "generated_at": settings.clock_now().isoformat()}


def _build_record(database: Database, settings: Settings) -> dict[str, Any]:
    accuracy = _accuracy(database)
    day = (accuracy.get("windows") or {}).get("1d")
    in_use = day["model"] if day else BASELINE
    recorded_params = ((day or {}).get("settings") or {}).get("models", {}).get(in_use)
    model = make_model(in_use, timezone=settings.timezone)
    params = _plain(
        recorded_params
        if recorded_params is not None
        else {k: v for k, v in model.get_params().items() if not isinstance(v, dict)}
    )
    profiles = [load_profile(n) for n in shipped_profile_names()]
    retention = load_retention()
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
                "model_in_use": in_use,
                "model_in_plain_words": SUMMARIES.get(in_use, in_use),
                "why_this_model": day["why"] if day else NO_RECORD_STATEMENT,
                "hyperparameters": params,
                "cell_size_m": settings.cell_size,
                "library_default": f"{DEFAULT_MODEL}, the winner of the held-out Chicago "
                "benchmark (docs/forecasting.md); each installation's map uses the winner of "
                "its own recorded backtest while it beats three-year counts",
                "alternatives": "naive counts, kernel density, prospective hot spots, SEPP, "
                "seasonal, place-type rhythm, ensemble, learned ranking (all selectable; "
                "compared by backtest)",
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
            "accuracy": accuracy,
            "risks_and_mitigations": [{"risk": r, "mitigation": m} for r, m in RISKS],
            "impact_assessments": "a community impact assessment per deployment (recorded in "
            "the workflow); the exposure report by deprivation decile; a data protection and "
            "equality impact assessment of the system are the force's to publish",
        },
    }
