"""Exposure by IMD decile and community confidence (PAS), on the real files, checked by hand."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime
from pathlib import Path
from statistics import fmean

import pytest
from sqlalchemy import select
from tests.workflow.scenario import WARD_L1, Clock, box, ready_deployment

from patrolgate.oversight import community_confidence, exposure_report, import_imd, import_pas
from patrolgate.oversight.confidence import LABEL
from patrolgate.store import Database
from patrolgate.store.oversight_tables import LsoaDeprivationRow
from patrolgate.store.tables import AreaRow, CrimeCountRow
from patrolgate.workflow import Workflow


def _lsoa_of_decile(database: Database, decile: int) -> str:
    with database.sessions() as session:
        code = session.scalars(
            select(LsoaDeprivationRow.lsoa_code)
            .where(LsoaDeprivationRow.imd_decile == decile)
            .order_by(LsoaDeprivationRow.lsoa_code)
        ).first()
    assert code is not None
    return code


def test_exposure_by_hand(
    database: Database, workflow: Workflow, clock: Clock, imd_file: Path
) -> None:
    """The ward is two LSOAs, deciles 1 and 8, holding 40 and 60 harms: a deployment over both
    gives each decile half the hours, so ratios 0.5/0.4 = 1.25 and 0.5/0.6 = 0.83."""
    import_imd(database, imd_file)
    poor, rich = _lsoa_of_decile(database, 1), _lsoa_of_decile(database, 8)
    with database.transaction() as session:
        for code, lon in ((poor, -0.13), (rich, -0.1225)):
            session.add(
                AreaRow(
                    code=code,
                    level="lsoa",
                    name=code,
                    parent_code=WARD_L1,
                    geometry=box(lon, 51.44, 0.0075, 0.03),
                    area_m2=1.7e6,
                    crs="EPSG:27700",
                )
            )
        for code, category, n in (
            (poor, "violence", 30),
            (poor, "robbery", 10),
            (rich, "violence", 60),
        ):
            session.add(
                CrimeCountRow(
                    source="mps-lsoa-annual",
                    area_code=code,
                    area_name=code,
                    period="2026",
                    major_category=category,
                    minor_category="(all)",
                    count=n,
                )
            )
    deployment = ready_deployment(workflow, clock, area=WARD_L1, hours=24)
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    clock.advance(days=3)
    start = datetime(2026, 6, 1, tzinfo=workflow.timezone)
    end = datetime(2026, 7, 1, tzinfo=workflow.timezone)
    report = exposure_report(
        database, start, end, now=clock.now, timezone="Europe/London", cell_size=150, forecast=False
    )
    rows = {r["decile"]: r for r in report["deciles"]}
    assert report["harm_measure"] == "published counts"
    assert report["harm_count_years"] == [2026]
    assert (rows[1]["harm_counts"], rows[8]["harm_counts"]) == (40, 60)
    assert rows[1]["deployment_hours"] == pytest.approx(12.0, abs=0.01)
    assert rows[8]["deployment_hours"] == pytest.approx(12.0, abs=0.01)
    assert rows[1]["deployment_exposure_ratio"] == pytest.approx(1.25, abs=0.002)
    assert rows[8]["deployment_exposure_ratio"] == pytest.approx(0.8333, abs=0.002)
    assert rows[5]["deployment_exposure_ratio"] is None  # no harm there: no ratio
    assert sum(r["lsoas"] for r in rows.values()) == 4835
    assert report["most_deprived_fifth"]["deployment_hours_share"] == pytest.approx(0.5, abs=0.001)
    assert report["forecast"] == {"status": "not computed"}


def _raw(path: Path, measure: str) -> dict[tuple[str, str], float]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return {
            (r["Borough"].lower(), r["Date"]): float(r["Proportion"])
            for r in csv.DictReader(handle)
            if r["Measure"] == measure
        }


def test_confidence_before_and_after_by_hand(
    database: Database, workflow: Workflow, clock: Clock, pas_file: Path
) -> None:
    """An armed patrol in Lambeth in June 2018: before is the year to March 2018, after the
    year to June 2019; the others' mean change is computed from the raw file."""
    import_pas(database, pas_file)
    clock.set(datetime(2018, 6, 1, 11, 0, tzinfo=UTC))
    deployment = ready_deployment(workflow, clock, area=WARD_L1, hours=24)
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    clock.advance(days=5)
    start = datetime(2018, 6, 1, tzinfo=workflow.timezone)
    end = datetime(2018, 6, 3, tzinfo=workflow.timezone)
    report = community_confidence(database, start, end, now=clock.now)
    assert report["label"] == LABEL and "not effect" in LABEL
    assert report["boroughs_with_deployments"] == ["E09000022"]
    trust = next(c for c in report["comparison"] if c["measure"] == "Trust MPS")
    raw = _raw(pas_file, "Trust MPS")
    lambeth_before, lambeth_after = raw[("lambeth", "2018-03-31")], raw[("lambeth", "2019-06-30")]
    assert trust["with_deployments"]["before"] == pytest.approx(lambeth_before)
    assert trust["with_deployments"]["after"] == pytest.approx(lambeth_after)
    others = sorted({b for b, _ in raw} - {"lambeth"})
    changes = [raw[(b, "2019-06-30")] - raw[(b, "2018-03-31")] for b in others]
    assert len(others) == 31  # 32 boroughs (the City is not surveyed), Richmond spelt twice
    assert trust["without_deployments"]["boroughs"] == 31
    lambeth = next(b for b in report["boroughs"] if b["borough_code"] == "E09000022")
    assert lambeth["Trust MPS"]["before_period_end"] == "2018-03-31"
    assert lambeth["Trust MPS"]["after_period_end"] == "2019-06-30"
    assert report["after_overlaps_period"] is False
    assert trust["difference_in_change"] == pytest.approx(
        (lambeth_after - lambeth_before) - trust["without_deployments"]["change"], abs=1e-4
    )
    assert fmean(changes) == pytest.approx(trust["without_deployments"]["change"], abs=1e-4)
