"""API benchmark: 100 concurrent clients on loopback against a running ``patrolgate serve``.

For SQLite and (when reachable) PostgreSQL: builds a database with the London boundaries,
the shipped robbery and weapons events, users with API tokens, one active armed patrol and
one *submitted* proposal per transition request; starts ``patrolgate serve`` on 127.0.0.1;
then measures the map data (forecast GeoJSON and live deployments), a deployment page
(HTML) and a state transition (the Lambeth borough commander's consultation, each request
on its own submitted proposal, so every request is a valid transition).

Two scenarios per request, printed under their own headings:

* **closed loop (throughput)**: 100 clients, each sends its next request as soon as the
  last one returns. The server is saturated, so this gives the throughput; its latencies
  are mostly queueing (Little's law: with 100 in flight, mean latency = 100 / throughput).
* **paced (latency)**: 100 clients, each sending at Poisson arrivals averaging one
  request per client per second (100 req/s offered in all), open loop: a request is sent
  at its scheduled time whether or not the client's previous one has returned, and its
  latency is counted from that scheduled time (no coordinated omission). If the server
  cannot keep up with 100 req/s, the queue grows and the p99 shows it.

Any response with a status >= 400 or a transport error is counted and listed by status
code (or exception name). The benchmark client (one process, a lean keep-alive HTTP/1.1
client on uvloop: see ``http_load.py``) runs on the same cores as the server, so the
figures include that contention: each line also prints the
CPU milliseconds per request spent by the server process and by the client, and the load
average is printed before and after each backend.
**On the demo** (first; issue 13's three slow reads): the oversight dashboard
(``/oversight``, as ``oversight1``), the public algorithm record (``/algorithm``) and a map
click (``/api/v1/places`` at a random point in London, as ``analyst1``) against ``patrolgate
serve`` in demo mode on the demo database under ``$PATROLGATE_HOME`` (``./patrolgate-data``
when unset; built first with ``patrolgate demo --no-serve`` when it holds none; the benchmark
adds an API token for each of the two users). Each read is measured one request at a time
(the service's own latency) and paced at DEMO_CLIENTS Poisson clients of one request a
second each, open loop; p50, p95, p99 and max are printed (target p99 < 200 ms).

Request counts and duration are bounded. Prints figures; asserts nothing. For a quicker
look, ``BENCH_API_ONLY=page,transition`` keeps the scenarios whose label holds one of the
words and ``BENCH_API_BACKENDS=sqlite`` one backend (``demo``, ``sqlite``, ``postgresql``).
Run with ``make bench-api``.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles
from typing import Any

import httpx
import sqlalchemy
import uvloop

from http_load import TRANSPORT_ERRORS, LoadClient, Response
from patrolgate.accounts import Accounts
from patrolgate.demo.build import import_london_boundaries, import_london_points
from patrolgate.geo.areas import AreaLevel
from patrolgate.intelligence import Grading, IntelligenceSummary
from patrolgate.store import Database, create_database
from patrolgate.workflow import ImpactAssessment, Rationale, Workflow, read_document

REPOSITORY = Path(__file__).resolve().parents[1]
DATA = REPOSITORY / "data"
EXAMPLES = REPOSITORY / "examples"
CLIENTS = 100
#: Server worker processes (``patrolgate serve --workers``): one per core of the machine
#: the benchmark was written for (2 cores).
WORKERS = 2
REQUESTS_PER_CLIENT = 5
MAX_SECONDS = 30.0
#: Paced scenario: each client's mean request rate (per second) and how long it runs.
PACED_RATE = 1.0
PACED_SECONDS = 5.0
#: Submitted proposals to consult: one per closed-loop request and enough for the paced run.
PACED_BUDGET = int(CLIENTS * PACED_RATE * PACED_SECONDS * 1.5) + 50
#: Rows of the data.police.uk file imported while transitions are measured (issue 16).
IMPORT_ROWS = int(os.environ.get("BENCH_API_IMPORT_ROWS", "1000000"))
TRANSITIONS = CLIENTS * REQUESTS_PER_CLIENT + 1 + 2 * PACED_BUDGET
NOW = datetime(2021, 1, 12, 9, 0, tzinfo=UTC)
WARD, LAMBETH = "E05000416", "E09000022"
#: The demo's users whose tokens the demo section uses.
DEMO_USERS = ("oversight1", "analyst1")
#: Developers' filters: scenarios whose label contains one of these words (e.g. "page"),
#: and the backends to run ("sqlite", "postgresql"); everything by default.
ONLY = [w for w in os.environ.get("BENCH_API_ONLY", "").split(",") if w]
BACKENDS = os.environ.get("BENCH_API_BACKENDS", "demo,sqlite,postgresql").split(",")
#: The demo's reads: requests one at a time, then paced clients (one request a second each).
DEMO_SEQUENTIAL = 100
DEMO_CLIENTS = 20
DEMO_SECONDS = 10.0
POSTGRES_URL = os.environ.get(
    "PATROLGATE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def seed(database: Database) -> tuple[dict[str, str], str, list[str]]:
    """London, events, users with tokens, one active deployment, TRANSITIONS submitted
    proposals awaiting the Lambeth borough commander; returns (tokens, id, proposals)."""
    import_london_boundaries(
        database, DATA / "london-boundaries", (AreaLevel.BOROUGH, AreaLevel.WARD)
    )
    import_london_points(database, DATA / "london-robbery-weapons")
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
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    rationale = read_document(Rationale, EXAMPLES / "rationale.toml")
    submitted = [
        workflow.propose(
            "proposer1",
            profile="armed-patrol",
            start=start,
            end=start + timedelta(hours=20),
            trigger="imminent-intelligence",
            rationale=rationale,
            area_codes=[WARD],
            intelligence_ids=[intel],
        )
        for _ in range(TRANSITIONS)
    ]
    accounts = Accounts(database)
    tokens = {
        login: accounts.create_token(login, "bench")[0] for login in ("analyst1", "bc.lambeth")
    }
    return tokens, deployment, submitted


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Figures:
    """Latencies (ms) of one scenario, its failures by status, and its wall time."""

    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    wall: float = 0.0
    #: CPU seconds the server process and this (client) process spent during the scenario.
    server_cpu: float = float("nan")
    client_cpu: float = float("nan")

    def record(self, began: float, response: Response | Exception) -> None:
        self.latencies.append((time.perf_counter() - began) * 1000)
        if isinstance(response, Exception):
            self.failures[type(response).__name__] += 1
        elif response.status_code >= 400:
            self.failures[str(response.status_code)] += 1

    def line(self, label: str) -> str:
        if len(self.latencies) < 2:
            return f"{label:34} no requests measured"
        cuts = quantiles(self.latencies, n=100)
        rate = len(self.latencies) / self.wall
        errors = sum(self.failures.values())
        detail = ", ".join(f"{code}×{n}" for code, n in sorted(self.failures.items()))
        count = len(self.latencies)
        return (
            f"{label:34} {count:6d} {cuts[49]:8.1f} {cuts[98]:8.1f} "
            f"{max(self.latencies):8.1f} {rate:8.1f} {1000 * self.server_cpu / count:7.1f} "
            f"{1000 * self.client_cpu / count:7.1f} {errors:7d} {detail}"
        )


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the server's worker processes), Linux /proc."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending.extend(int(child) for child in children)
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds so far of a process and its descendants (Linux /proc;
    NaN elsewhere): with ``--workers`` the requests are served by child processes."""
    total = 0.0
    for member in _process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            if member == pid:
                return float("nan")
            continue  # a child that just exited
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def timed(server: int, scenario: Coroutine[Any, Any, Figures]) -> Figures:
    """Run a scenario, noting the CPU the server and this client spent on it."""
    server_before, client_before = cpu_seconds(server), time.process_time()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        figures = runner.run(scenario)
    figures.server_cpu = cpu_seconds(server) - server_before
    figures.client_cpu = time.process_time() - client_before
    return figures


#: A request: method, path, JSON body; a factory is called once per request.
Request = tuple[str, str, dict[str, object] | None]


async def _send(http: LoadClient, request: Request, token: str) -> Response:
    method, path, body = request
    return await http.request(method, path, token=token, body=body)


async def closed_loop(base: str, next_request: Callable[[], Request], token: str) -> Figures:
    """CLIENTS clients, each sending its next request as soon as the last returns."""
    figures = Figures()
    deadline = time.perf_counter() + MAX_SECONDS

    async def client(http: LoadClient) -> None:
        for _ in range(REQUESTS_PER_CLIENT):
            if time.perf_counter() > deadline:
                return
            began = time.perf_counter()
            try:
                figures.record(began, await _send(http, next_request(), token))
            except TRANSPORT_ERRORS as error:
                figures.record(began, error)

    async with LoadClient(base, max_connections=CLIENTS) as http:
        await _send(http, next_request(), token)  # warm the connection
        began = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
        figures.wall = time.perf_counter() - began
    return figures


async def paced(
    base: str,
    next_request: Callable[[], Request],
    token: str,
    seed: int,
    clients: int = CLIENTS,
    seconds: float = PACED_SECONDS,
) -> Figures:
    """``clients`` clients, each with Poisson arrivals at PACED_RATE per second, open loop.

    Latency runs from the scheduled arrival, so a late send (the client or server
    falling behind) counts against the service rather than being hidden.
    """
    figures = Figures()
    rng = random.Random(seed)
    schedules = []
    for _ in range(clients):
        at, times = 0.0, []
        while True:
            at += rng.expovariate(PACED_RATE)
            if at >= seconds:
                break
            times.append(at)
        schedules.append(times)

    async with LoadClient(base, max_connections=clients) as http:
        await _send(http, next_request(), token)  # warm the connection
        origin = time.perf_counter()

        async def one(scheduled: float) -> None:
            try:
                figures.record(scheduled, await _send(http, next_request(), token))
            except TRANSPORT_ERRORS as error:
                figures.record(scheduled, error)

        async def client(times: list[float]) -> None:
            pending = []
            for offset in times:
                delay = origin + offset - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                pending.append(asyncio.create_task(one(origin + offset)))
            await asyncio.gather(*pending)

        await asyncio.gather(*(client(times) for times in schedules))
        figures.wall = time.perf_counter() - origin
    return figures


async def one_at_a_time(
    base: str, next_request: Callable[[], Request], token: str, count: int
) -> Figures:
    """``count`` requests from one client, each sent when the last has returned."""
    figures = Figures()
    async with LoadClient(base, max_connections=1) as http:
        await _send(http, next_request(), token)  # warm the connection
        origin = time.perf_counter()
        for _ in range(count):
            began = time.perf_counter()
            try:
                figures.record(began, await _send(http, next_request(), token))
            except TRANSPORT_ERRORS as error:
                figures.record(began, error)
        figures.wall = time.perf_counter() - origin
    return figures


def percentiles_line(label: str, figures: Figures) -> str:
    """p50, p95, p99 and max of one scenario, with its count and failures."""
    if len(figures.latencies) < 2:
        return f"{label:34} no requests measured"
    cuts = quantiles(figures.latencies, n=100)
    detail = ", ".join(f"{code}×{n}" for code, n in sorted(figures.failures.items()))
    return (
        f"{label:34} {len(figures.latencies):6d} {cuts[49]:8.1f} {cuts[94]:8.1f} "
        f"{cuts[98]:8.1f} {max(figures.latencies):8.1f} {sum(figures.failures.values()):7d} "
        f"{detail}"
    )


def wait_ready(base: str) -> None:
    """Until every worker most likely answers /readyz 200 (a run of 10 per worker)."""
    ready = 0
    for _ in range(6000):
        try:
            ready = ready + 1 if httpx.get(f"{base}/readyz", timeout=1).status_code == 200 else 0
        except httpx.HTTPError:
            ready = 0
        if ready >= 10 * WORKERS:
            return
        time.sleep(0.1)


def run_demo() -> None:
    """The three reads issue 13 names, on the demo database, as the demo serves them."""
    home = Path(os.environ.get("PATROLGATE_HOME", "patrolgate-data")).resolve()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PATROLGATE_DATABASE_URL", "PATROLGATE_NOW")
    }
    env |= {"PATROLGATE_HOME": str(home), "PATROLGATE_MODE": "demo"}
    if not (home / "patrolgate.db").exists():
        print(f"\nno demo under {home}: building it (patrolgate demo --no-serve)", flush=True)
        subprocess.run(
            [sys.executable, "-m", "patrolgate", "demo", "--no-serve"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    database = create_database(f"sqlite:///{home / 'patrolgate.db'}")
    accounts = Accounts(database)
    tokens = {login: accounts.create_token(login, "bench")[0] for login in DEMO_USERS}
    database.dispose()
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "patrolgate", "serve"),
            *("--port", str(port), "--workers", str(WORKERS)),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        wait_ready(base)
        print(
            f"\nDemo at {home}, {WORKERS} server workers, ready after "
            f"{time.perf_counter() - started:.0f} s ({load()})"
        )
        clicks = random.Random(13)

        def map_click() -> Request:
            lon, lat = clicks.uniform(-0.45, 0.2), clicks.uniform(51.33, 51.65)
            return ("GET", f"/api/v1/places?lon={lon:.5f}&lat={lat:.5f}", None)

        reads: list[tuple[str, Callable[[], Request], str]] = [
            ("oversight dashboard (HTML)", lambda: ("GET", "/oversight", None), "oversight1"),
            ("algorithm record (public HTML)", lambda: ("GET", "/algorithm", None), "analyst1"),
            ("map click (places)", map_click, "analyst1"),
        ]
        header = (
            f"{'request':34} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
            f"{'errors':>7} by status   (target p99 < 200 ms)"
        )
        print(f"one at a time: {DEMO_SEQUENTIAL} requests each, back to back")
        print(header)
        for label, factory, who in reads:
            figures = timed(server.pid, one_at_a_time(base, factory, tokens[who], DEMO_SEQUENTIAL))
            print(percentiles_line(label, figures), flush=True)
        print(
            f"paced: {DEMO_CLIENTS} clients × Poisson arrivals at {PACED_RATE:g}/s each "
            f"({DEMO_CLIENTS * PACED_RATE:g} req/s offered) for {DEMO_SECONDS:g} s, open loop"
        )
        print(header)
        for number, (label, factory, who) in enumerate(reads):
            scenario = paced(base, factory, tokens[who], number, DEMO_CLIENTS, DEMO_SECONDS)
            print(percentiles_line(label, timed(server.pid, scenario)), flush=True)
        print(f"after: {load()}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def run_backend(name: str, database_url: str, home: Path) -> None:
    database = create_database(database_url)
    database.migrate()
    tokens, deployment, submitted = seed(database)
    database.dispose()
    port = free_port()
    env = {
        **os.environ,
        "PATROLGATE_HOME": str(home),
        "PATROLGATE_DATABASE_URL": database_url,
        "PATROLGATE_NOW": NOW.isoformat(),
        "PATROLGATE_MODE": "development",
    }
    command = [sys.executable, "-m", "patrolgate", "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(WORKERS)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Each new connection may reach any worker, and a worker answers 503 until its
        # forecast is fitted: wait for a run of 200s, so every worker is most likely warm.
        wait_ready(base)
        headers = {"Authorization": f"Bearer {tokens['analyst1']}"}
        httpx.get(f"{base}/api/v1/forecast", headers=headers, timeout=300)  # fit once
        proposals = iter(submitted)
        clicks = random.Random(7)

        def map_click() -> Request:
            # A point anywhere in Greater London's bounding box, as a click on the map.
            lon, lat = clicks.uniform(-0.45, 0.2), clicks.uniform(51.33, 51.65)
            return ("GET", f"/api/v1/places?lon={lon:.5f}&lat={lat:.5f}", None)

        def consult() -> Request:
            return (
                "POST",
                f"/api/v1/deployments/{next(proposals)}/consult",
                {"outcome": "support", "notes": "Borough supports the proposal."},
            )

        scenarios: list[tuple[str, Callable[[], Request], str]] = [
            (
                "map data (forecast GeoJSON)",
                lambda: ("GET", "/api/v1/forecast", None),
                "analyst1",
            ),
            (
                "map data (live deployments)",
                lambda: ("GET", "/api/v1/map/deployments", None),
                "analyst1",
            ),
            (
                "deployment page (HTML)",
                lambda: ("GET", f"/deployments/{deployment}", None),
                "analyst1",
            ),
            ("state transition (consultation)", consult, "bc.lambeth"),
            ("algorithm record (public HTML)", lambda: ("GET", "/algorithm", None), "analyst1"),
            ("map click (places)", map_click, "analyst1"),
        ]
        if ONLY:
            scenarios = [s for s in scenarios if any(word in s[0] for word in ONLY)]
        header = (
            f"{'request':34} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
            f"{'req/s':>8} {'srv cpu':>7} {'cli cpu':>7} {'errors':>7} by status"
        )
        print(f"\n{name}, {WORKERS} server workers ({load()})")
        print(
            "srv cpu / cli cpu: CPU ms per request spent by the server process and by this "
            "benchmark client (same machine, same cores)"
        )
        print(
            f"closed loop (throughput): {CLIENTS} clients × {REQUESTS_PER_CLIENT} requests, "
            "each sent as soon as the previous returns; latencies here are mostly queueing"
        )
        print(header)
        for label, factory, who in scenarios:
            figures = timed(server.pid, closed_loop(base, factory, tokens[who]))
            print(figures.line(label), flush=True)
        print(
            f"paced (latency): {CLIENTS} clients × Poisson arrivals at {PACED_RATE:g}/s each "
            f"({CLIENTS * PACED_RATE:g} req/s offered) for {PACED_SECONDS:g} s, open loop, "
            "latency from the scheduled send"
        )
        print(header)
        for number, (label, factory, who) in enumerate(scenarios):
            figures = timed(server.pid, paced(base, factory, tokens[who], seed=number))
            print(figures.line(label), flush=True)
        if not ONLY or any(word in "transition during an import" for word in ONLY):
            during_import(server.pid, base, consult, tokens["bc.lambeth"], env, home)
        print(f"after: {load()}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def during_import(
    server: int,
    base: str,
    consult: Callable[[], Request],
    token: str,
    env: dict[str, str],
    home: Path,
) -> None:
    """Paced transitions while ``patrolgate import police-uk`` stores IMPORT_ROWS rows into
    the same database (on SQLite, into the event store file beside it): the import's long
    transaction must not hold up the workflow's writes (target p99 < 150 ms)."""
    from import_benchmark import generate  # the import benchmark's street-level rows

    path = home / "during-import-street.csv"
    if not path.exists():
        generate(path, IMPORT_ROWS, seed=20190101)
    importer = subprocess.Popen(
        [sys.executable, "-m", "patrolgate", "import", "police-uk", str(path), "--format", "json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    began = time.perf_counter()
    time.sleep(3.0)  # past start-up and the file's scan: the import is parsing and writing
    figures = timed(server, paced(base, consult, token, seed=99))
    overlapped = importer.poll() is None
    output, _ = importer.communicate(timeout=1800)
    seconds = time.perf_counter() - began
    print(
        f"paced during an import of {IMPORT_ROWS:,} data.police.uk rows "
        f"({'still running when the scenario ended' if overlapped else 'FINISHED EARLY'}; "
        f"import exit {importer.returncode}, {seconds:.0f} s)  (target p99 < 150 ms)"
    )
    print(figures.line("transition during an import"), flush=True)
    if importer.returncode == 0 and output.strip():
        report = json.loads(output)[0]
        print(f"import: {report['rows_read']:,} rows read, {report['stored']:,} stored")


def main() -> None:
    if "demo" in BACKENDS:
        run_demo()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        if "sqlite" in BACKENDS:
            run_backend("SQLite", f"sqlite:///{home / 'bench.db'}", home)
        if "postgresql" not in BACKENDS:
            return
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
