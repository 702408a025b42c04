"""Browser forms to workflow commands: a form's fields are named as the command's fields,
and the NDM rationale, impact assessment and debrief are built from their own fields.

Local times are read by :func:`patrolgate.timekeeping.parse_time`, the one parser every
interface shares (the CLI's options too): a time that does not exist or happens twice in
the force's zone is refused, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime
from starlette.datastructures import FormData

from patrolgate.errors import InvalidInput
from patrolgate.timekeeping import parse_time
from patrolgate.workflow import (
    AddIntelligence,
    Debrief,
    DeploymentCommand,
    ImpactAssessment,
    Propose,
    Rationale,
)
from patrolgate.workflow.areas import parse_geojson
from patrolgate.workflow.commands import build
from patrolgate.workflow.documents import parse_document

NDM_STAGES = (
    ("information", "1. Gather information and intelligence"),
    ("threat_and_risk", "2. Assess threat and risk, develop a working strategy"),
    ("powers_and_policy", "3. Consider powers and policy"),
    ("options", "4. Identify options and contingencies"),
    ("action_and_review", "5. Take action and review"),
)
PLAN = (
    ("proportionate", "Proportionate"),
    ("legal", "Legal"),
    ("accountable", "Accountable"),
    ("necessary", "Necessary"),
)
OPTION_ROWS = 3


def text(form: FormData, name: str) -> str:
    """A form field as stripped text ('' when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional(form: FormData, name: str) -> str | None:
    """A form field, or None when empty."""
    return text(form, name) or None


def local_time(form: FormData, name: str, zone: ZoneInfo) -> datetime:
    """A ``datetime-local`` field read in the force's time zone."""
    return parse_time(text(form, name), zone, name.replace("_", " "))


def period_of(form: FormData, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The proposed period: the ``start`` and ``end`` fields, read as the CLI reads them."""
    return local_time(form, "start", zone), local_time(form, "end", zone)


def _ticked(form: FormData, name: str) -> bool:
    return text(form, name).lower() in ("on", "yes", "true", "1")


def proposal_of(form: FormData, zone: ZoneInfo) -> Propose:
    """The :class:`~patrolgate.workflow.Propose` command of the step-by-step form."""
    codes, drawn = area_of(form)
    start, end = period_of(form, zone)
    return build(
        Propose,
        {
            "profile": text(form, "profile"),
            "start": start,
            "end": end,
            "trigger": text(form, "trigger"),
            "rationale": rationale_of(form),
            "area_codes": codes,
            "geojson": drawn,
            "intelligence_ids": [i for i in form.getlist("intelligence_ids") if isinstance(i, str)],
            "submit": text(form, "submit") != "draft",
            "names_confirmed": _ticked(form, "names_confirmed"),
        },
        "the proposal",
    )


def command_of(kind: type[DeploymentCommand], form: FormData, zone: ZoneInfo) -> DeploymentCommand:
    """The command ``kind`` from a deployment page's form: each field from the form field of
    its name (times read locally, documents from their own fields)."""
    data: dict[str, Any] = {}
    for name, info in kind.model_fields.items():
        if name == "names_confirmed":
            data[name] = _ticked(form, name)
        elif info.annotation is ImpactAssessment:
            data[name] = impact_assessment_of(form, zone)
        elif info.annotation is Debrief:
            data[name] = debrief_of(form)
        elif info.annotation in (datetime, AwareDatetime):
            data[name] = local_time(form, name, zone)
        elif name in ("expected_version", "consultation_id"):
            raw = text(form, name)
            data[name] = int(raw) if raw.isdigit() else None
        elif (value := optional(form, name)) is not None:
            data[name] = value
    return build(kind, data, f"the {kind.action.replace('-', ' ')} form")


def intelligence_of(form: FormData, zone: ZoneInfo) -> AddIntelligence:
    """The summary of the intelligence form: grade as ``1B``, validity in hours."""
    grade = text(form, "grade")
    if len(grade) != 2 or not grade[0].isdigit():
        raise InvalidInput("grade: source (1-3) and assessment (A-E), e.g. 1B")
    valid_from = local_time(form, "valid_from", zone)
    hours = text(form, "valid_hours") or "72"
    if not hours.isdigit() or not 1 <= int(hours) <= 24 * 90:
        raise InvalidInput("valid for: a whole number of hours, 1 to 2160")
    return build(
        AddIntelligence,
        {
            "area_codes": [c for c in form.getlist("area_codes") if isinstance(c, str) and c],
            "valid_from": valid_from,
            "valid_to": valid_from + timedelta(hours=int(hours)),
            "source": int(grade[0]),
            "assessment": grade[1].upper(),
            "handling": text(form, "handling") or "P",
            "text": text(form, "text"),
            "names_confirmed": _ticked(form, "names_confirmed"),
        },
        "the intelligence form",
    )


def rationale_of(form: FormData) -> Rationale:
    """The NDM rationale from the propose form."""
    options = [
        {"option": text(form, f"option_{i}"), "why_not_enough": text(form, f"why_not_{i}")}
        for i in range(OPTION_ROWS)
        if text(form, f"option_{i}") or text(form, f"why_not_{i}")
    ]
    investigators = [o.strip() for o in text(form, "investigators").split(",") if o.strip()]
    data: dict[str, Any] = {
        "criterion": text(form, "criterion"),
        "summary": text(form, "summary"),
        "ndm": {key: text(form, f"ndm_{key}") for key, _ in NDM_STAGES},
        "plan": {key: text(form, f"plan_{key}") for key, _ in PLAN},
        "less_intrusive_options": options,
        "investigation": {
            "reference": optional(form, "investigation_reference"),
            "officers": investigators,
        },
        "rights_consideration": optional(form, "rights_consideration"),
    }
    return parse_document(Rationale, data, "the proposal")


@dataclass(frozen=True)
class AreaChoice:
    """One area a form offers: a ward is named with its borough (ward names repeat)."""

    code: str
    name: str
    borough: str | None = None

    @property
    def label(self) -> str:
        """E.g. ``Brixton Hill, Lambeth``."""
        return f"{self.name}, {self.borough}" if self.borough else self.name


def area_choices(
    rows: Sequence[tuple[str, str, str, str | None]],
) -> dict[str, list[AreaChoice]]:
    """Boroughs and wards from ``(level, code, name, parent code)`` rows, each list sorted
    by its label (wards of the same name then by borough)."""
    boroughs = {code: name for level, code, name, _ in rows if level == "borough"}
    wards = [
        AreaChoice(code, name, boroughs.get(parent or "", parent))
        for level, code, name, parent in rows
        if level == "ward"
    ]
    return {
        "borough": sorted(
            (AreaChoice(c, n) for c, n in boroughs.items()), key=lambda a: a.label.casefold()
        ),
        "ward": sorted(wards, key=lambda a: a.label.casefold()),
    }


def area_of(form: FormData) -> tuple[list[str] | None, dict[str, Any] | None]:
    """Area codes picked from the lists, or the polygon drawn on the map (not both)."""
    codes = [c for c in form.getlist("area_codes") if isinstance(c, str) and c.strip()]
    drawn = text(form, "geojson")
    if codes and drawn:
        raise InvalidInput("pick boroughs or wards, or draw the area, not both")
    if drawn:
        try:
            return None, parse_geojson(drawn)  # bounded: depth, size, finite numbers
        except InvalidInput as error:
            raise InvalidInput(f"the drawn area: {error}; draw it again") from None
    if not codes:
        raise InvalidInput("choose the area: pick boroughs or wards, or draw it on the map")
    return codes, None


def impact_assessment_of(form: FormData, zone: ZoneInfo) -> ImpactAssessment:
    """The community impact assessment form."""
    data: dict[str, Any] = {
        "area_and_intelligence_basis": text(form, "area_and_intelligence_basis"),
        "communities_affected": text(form, "communities_affected"),
        "current_tensions": text(form, "current_tensions"),
        "expected_impact": text(form, "expected_impact"),
        "equality_impact": text(form, "equality_impact"),
        "engagement": {
            "borough": text(form, "engagement_borough"),
            "independent_advisory_group": text(form, "engagement_iag"),
            "community_monitoring_group": text(form, "engagement_cmg"),
        },
        "mitigations": [m.strip() for m in text(form, "mitigations").splitlines() if m.strip()],
        "residual_risk": text(form, "residual_risk"),
        "owner": text(form, "owner"),
        "next_review": local_time(form, "next_review", zone).isoformat(),
        "public_notice_before": optional(form, "public_notice_before"),
        "public_notice_not_practicable": optional(form, "public_notice_not_practicable"),
    }
    return parse_document(ImpactAssessment, data, "the impact assessment")


def debrief_of(form: FormData) -> Debrief:
    """The debrief form."""
    outcomes: dict[str, int] = {}
    for name in ("stops", "arrests", "weapons_recovered"):
        raw = text(form, f"outcome_{name}")
        if raw:
            try:
                outcomes[name] = int(raw)
            except ValueError:
                raise InvalidInput(f"{name.replace('_', ' ')}: a whole number") from None
    try:
        complaints = int(text(form, "complaints_received") or "0")
    except ValueError:
        raise InvalidInput("complaints received: a whole number") from None
    data: dict[str, Any] = {
        "summary": text(form, "summary"),
        "patrol_conformance": text(form, "patrol_conformance"),
        "outcomes": outcomes,
        "community_feedback": text(form, "community_feedback"),
        "complaints_received": complaints,
        "public_notice_after": optional(form, "public_notice_after"),
        "lessons": optional(form, "lessons"),
    }
    return parse_document(Debrief, data, "the debrief")
