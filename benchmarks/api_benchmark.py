"""API benchmark: 100 concurrent clients on loopback against a running ``patrolgate serve``.

For SQLite and (when reachable) PostgreSQL: builds a database with the London boundaries,
the shipped robbery and weapons events, users with API tokens and one active armed patrol;
starts ``patrolgate serve`` on 127.0.0.1; then measures p50/p99 latency and throughput for
the map data (forecast GeoJSON), a deployment page (HTML) and a state transition (a
community officer's consultation). Request counts and duration are bounded. Prints figures;
asserts nothing. Run with ``make bench-api``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles

import httpx
import sqlalchemy

from patrolgate.api.accounts import Accounts
from patrolgate.demo.build import ROBBERY_WEAPONS
from patrolgate.events.generic_csv import parse_generic_csv
from patrolgate.geo.areas import AreaLevel, areas_from_geojson
from patrolgate.ingest import AreaAssigner, store_parsed_file
from patrolgate.intelligence import Grading, IntelligenceSummary
from patrolgate.store import Database, create_database
from patrolgate.store.area_repository import crs_for_areas, save_areas
from patrolgate.workflow import ImpactAssessment, Rationale, Workflow, read_document

REPOSITORY = Path(__file__).resolve().parents[1]
DATA = REPOSITORY / "data"
EXAMPLES = REPOSITORY / "examples"
CLIENTS = 100
REQUESTS_PER_CLIENT = 5
MAX_SECONDS = 30.0
NOW = datetime(2021, 1, 12, 9, 0, tzinfo=UTC)
WARD, LAMBETH = "E05000416", "E09000022"
POSTGRES_URL = os.environ.get(
    "PATROLGATE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def seed(database: Database) -> tuple[dict[str, str], str]:
    """London, events, users with tokens, one active deployment; returns (tokens, id)."""
    folder = DATA / "london-boundaries"
    for name, level, code, label, parent in (
        ("london_boroughs.geojson.gz", AreaLevel.BOROUGH, "gss_code", "name", None),
        ("london_wards_2014.geojson.gz", AreaLevel.WARD, "GSS_CODE", "NAME", "LB_GSS_CD"),
    ):
        areas = areas_from_geojson(
            folder / name, level=level, code_field=code, name_field=label, parent_field=parent
        )
        with database.transaction() as session:
            save_areas(session, areas, crs_for_areas(areas))
    for path in sorted((DATA / "london-robbery-weapons").glob("*.csv.gz")):
        store_parsed_file(
            database, parse_generic_csv(path, ROBBERY_WEAPONS), AreaAssigner(database)
        )
    clock = [NOW - timedelta(hours=2)]
    workflow = Workflow(database=database, clock=lambda: clock[0])
    workflow.add_user(None, "admin", role="admin", rank="staff")
    cast = {
        "analyst1": ("analyst", "staff", None),
        "proposer1": ("proposer", "inspector", None),
        "bc.lambeth": ("borough-commander", "chief-superintendent", LAMBETH),
        "sfc.adams": ("strategic-commander", "chief-superintendent", None),
        "community1": ("community-officer", "constable", None),
    }
    for login, (role, rank, borough) in cast.items():
        workflow.add_user("admin", login, role=role, rank=rank, borough_code=borough)
    intel = workflow.add_intelligence(
        "analyst1",
        IntelligenceSummary(
            area_codes=(WARD,),
            valid_from=clock[0] - timedelta(hours=1),
            valid_to=clock[0] + timedelta(days=2),
            grading=Grading.of(1, "A", "P"),
            text="Retaliation between groups expected around the town centre tonight.",
        ),
    )
    start = clock[0] + timedelta(minutes=30)
    deployment = workflow.propose(
        "proposer1",
        profile="armed-patrol",
        start=start,
        end=start + timedelta(hours=20),
        trigger="imminent-intelligence",
        rationale=read_document(Rationale, EXAMPLES / "rationale.toml"),
        area_codes=[WARD],
        intelligence_ids=[intel],
    )
    workflow.consult("bc.lambeth", deployment, outcome="support", notes="Borough supports.")
    workflow.assess_impact(
        "sfc.adams",
        deployment,
        read_document(ImpactAssessment, EXAMPLES / "impact-assessment.toml"),
    )
    workflow.authorise("sfc.adams", deployment)
    accounts = Accounts(database)
    tokens = {
        login: accounts.create_token(login, "bench")[0] for login in ("analyst1", "community1")
    }
    return tokens, deployment


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def measure(
    url: str, method: str, token: str, body: dict[str, object] | None
) -> tuple[list[float], int, float]:
    """CLIENTS clients, REQUESTS_PER_CLIENT requests each; latencies, errors, wall seconds."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.perf_counter() + MAX_SECONDS

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors
        for _ in range(REQUESTS_PER_CLIENT):
            if time.perf_counter() > deadline:
                return
            began = time.perf_counter()
            try:
                response = await http.request(method, url, json=body, headers=headers)
                failed = response.status_code >= 400
            except httpx.HTTPError:
                failed = True
            latencies.append((time.perf_counter() - began) * 1000)
            errors += failed

    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        await http.request(method, url, json=body, headers=headers)  # warm
        began = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
        wall = time.perf_counter() - began
    return latencies, errors, wall


def run_backend(name: str, database_url: str, home: Path) -> None:
    database = create_database(database_url)
    database.migrate()
    tokens, deployment = seed(database)
    database.dispose()
    port = free_port()
    env = {
        **os.environ,
        "PATROLGATE_HOME": str(home),
        "PATROLGATE_DATABASE_URL": database_url,
        "PATROLGATE_NOW": NOW.isoformat(),
        "PATROLGATE_MODE": "development",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "patrolgate", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        headers = {"Authorization": f"Bearer {tokens['analyst1']}"}
        httpx.get(f"{base}/api/v1/forecast", headers=headers, timeout=300)  # fit once
        scenarios = [
            ("map data (forecast GeoJSON)", "GET", f"{base}/api/v1/forecast", "analyst1", None),
            (
                "map data (live deployments)",
                "GET",
                f"{base}/api/v1/map/deployments",
                "analyst1",
                None,
            ),
            ("deployment page (HTML)", "GET", f"{base}/deployments/{deployment}", "analyst1", None),
            (
                "state transition (consultation)",
                "POST",
                f"{base}/api/v1/deployments/{deployment}/consult",
                "community1",
                {"outcome": "support", "notes": "Community panel supports with concerns."},
            ),
        ]
        print(f"\n{name}: {CLIENTS} concurrent clients × {REQUESTS_PER_CLIENT} requests")
        print(f"{'request':36} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>7}")
        for label, method, url, who, body in scenarios:
            latencies, errors, wall = asyncio.run(measure(url, method, tokens[who], body))
            cuts = quantiles(latencies, n=100)
            rate = len(latencies) / wall
            print(f"{label:36} {cuts[49]:8.1f} {cuts[98]:8.1f} {rate:8.0f} {errors:7d}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        run_backend("SQLite", f"sqlite:///{home / 'bench.db'}", home)
        try:
            engine = sqlalchemy.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            with engine.connect() as connection:
                connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        except Exception as error:  # no PostgreSQL here: say so and stop
            print(f"\nPostgreSQL: not reachable ({type(error).__name__}); skipped")
            return
        try:
            run_backend("PostgreSQL", f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", home)
        finally:
            with engine.connect() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            engine.dispose()


if __name__ == "__main__":
    main()
