"""A small study area, a cast of users and a settable clock for workflow tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from patrolgate.intelligence import Grading, IntelligenceSummary
from patrolgate.store import Database
from patrolgate.store.tables import AreaRow
from patrolgate.workflow import (
    Debrief,
    ImpactAssessment,
    Rationale,
    Workflow,
    read_document,
)
from patrolgate.workflow.documents import Investigation

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LAMBETH = "E09000022"
SOUTHWARK = "E09000028"
WARD_L1 = "E05000416"
WARD_L2 = "E05000417"
WARD_S1 = "E05000530"

#: login: (role, rank, borough)
CAST: dict[str, tuple[str, str, str | None]] = {
    "analyst1": ("analyst", "staff", None),
    "proposer1": ("proposer", "inspector", None),
    "bc.lambeth": ("borough-commander", "chief-superintendent", LAMBETH),
    "bc.southwark": ("borough-commander", "chief-superintendent", SOUTHWARK),
    "tfc1": ("tactical-commander", "superintendent", None),
    "tfc.ci": ("tactical-commander", "chief-inspector", None),
    "insp1": ("tactical-commander", "inspector", None),
    "sgt1": ("tactical-commander", "sergeant", None),
    "sfc.adams": ("strategic-commander", "chief-superintendent", None),
    "sfc.supt": ("strategic-commander", "superintendent", None),
    "sfc.cdr": ("strategic-commander", "commander", None),
    "sfc.dac": ("strategic-commander", "deputy-assistant-commissioner", None),
    "community1": ("community-officer", "constable", None),
    "oversight1": ("oversight", "staff", None),
}


#: The criterion each shipped profile's proposals rest on.
CRITERIA = {
    "armed-patrol": "operational-contingency",
    "s60-statutory": "serious-violence-may-occur",
    "s60-strict": "serious-violence-will-occur",
    "dispersal-s34": "harassment-alarm-distress",
}


def at_once(actions: list[Callable[[], object]]) -> list[object]:
    """Run every action at the same moment, one thread each; what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = action()
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung: a deadlock?"
    return results


@dataclass
class Clock:
    """A clock tests move by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 6, 5, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock on."""
        self.now += timedelta(**delta)
        return self.now

    def set(self, instant: datetime) -> None:
        """Move the clock to ``instant``."""
        self.now = instant


def box(lon0: float, lat0: float, width: float, height: float) -> dict[str, Any]:
    ring = [
        [lon0, lat0],
        [lon0 + width, lat0],
        [lon0 + width, lat0 + height],
        [lon0, lat0 + height],
        [lon0, lat0],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def seed_areas(database: Database) -> None:
    """Two boroughs side by side, about 7 km² each, Lambeth split into two wards."""
    rows = [
        (LAMBETH, "borough", "Lambeth", None, box(-0.13, 51.44, 0.03, 0.03), 6.95e6),
        (SOUTHWARK, "borough", "Southwark", None, box(-0.10, 51.44, 0.03, 0.03), 6.95e6),
        (WARD_L1, "ward", "Brixton Hill", LAMBETH, box(-0.13, 51.44, 0.015, 0.03), 3.47e6),
        (WARD_L2, "ward", "Coldharbour", LAMBETH, box(-0.115, 51.44, 0.015, 0.03), 3.47e6),
        (WARD_S1, "ward", "Peckham", SOUTHWARK, box(-0.10, 51.44, 0.015, 0.03), 3.47e6),
    ]
    with database.transaction() as session:
        for code, level, name, parent, geometry, area in rows:
            session.add(
                AreaRow(
                    code=code,
                    level=level,
                    name=name,
                    parent_code=parent,
                    geometry=geometry,
                    area_m2=area,
                    crs="EPSG:27700",
                )
            )


def seed_users(workflow: Workflow) -> None:
    """The admin, then the cast."""
    workflow.add_user(None, "admin", role="admin", rank="staff")
    for login, (role, rank, borough) in CAST.items():
        workflow.add_user("admin", login, role=role, rank=rank, borough_code=borough)


def rationale(**changes: Any) -> Rationale:
    """The example rationale, with changes."""
    base = read_document(Rationale, EXAMPLES / "rationale.toml")
    return base.model_copy(update=changes) if changes else base


def impact_assessment() -> ImpactAssessment:
    """The example impact assessment."""
    return read_document(ImpactAssessment, EXAMPLES / "impact-assessment.toml")


def debrief(**changes: Any) -> Debrief:
    """The example debrief, with changes."""
    base = read_document(Debrief, EXAMPLES / "debrief.toml")
    return base.model_copy(update=changes) if changes else base


def add_intel(
    workflow: Workflow,
    clock: Clock,
    *,
    area: str = WARD_L1,
    grade: str = "1A",
    handling: str = "P",
    hours: float = 72,
) -> str:
    """A sanitised summary valid from now for ``hours``."""
    summary = IntelligenceSummary(
        area_codes=(area,),
        valid_from=clock.now - timedelta(hours=1),
        valid_to=clock.now + timedelta(hours=hours),
        grading=Grading.of(grade[0], grade[1], handling),
        text="Retaliation between groups expected around the town centre this weekend.",
    )
    return workflow.add_intelligence("analyst1", summary)


def ready_deployment(
    workflow: Workflow,
    clock: Clock,
    *,
    profile: str = "armed-patrol",
    area: str = WARD_L1,
    start_in: float = 1,
    hours: float = 24,
    trigger: str = "imminent-intelligence",
    consult: bool = True,
    assess: bool = True,
    grade: str = "1A",
    proposer: str = "proposer1",
    investigators: tuple[str, ...] = (),
) -> str:
    """A submitted deployment with (by default) every step done, ready to authorise."""
    intel = add_intel(workflow, clock, area=area, grade=grade)
    start = clock.now + timedelta(hours=start_in)
    criterion = CRITERIA[profile]
    deployment = workflow.propose(
        proposer,
        profile=profile,
        start=start,
        end=start + timedelta(hours=hours),
        trigger=trigger,
        rationale=rationale(
            criterion=criterion,
            rights_consideration="Protest and assembly respected.",
            investigation=Investigation(officers=investigators),
        ),
        area_codes=[area],
        intelligence_ids=[intel],
    )
    if consult:
        workflow.consult("bc.lambeth", deployment, outcome="support", notes="Borough supports.")
    if assess:
        workflow.assess_impact("sfc.adams", deployment, impact_assessment())
    return deployment


def make_workflow(database: Database, clock: Clock) -> Workflow:
    """A workflow over ``database`` with the areas and cast seeded."""
    seed_areas(database)
    workflow = Workflow(database=database, clock=clock)
    seed_users(workflow)
    return workflow
