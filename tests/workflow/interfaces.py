"""The three ways into the workflow, driven alike: the command line, the JSON API and the
browser's form posts. Each takes the same fields (a command's field names, Python values)
and answers with the same :class:`Outcome`, so one table of cases runs through all three."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from typer.testing import CliRunner

from patrolgate.accounts import Accounts
from patrolgate.cli import app as cli_app
from patrolgate.timekeeping import local_wall

# The web tests' world (the app over the workflow tests' cast), shared on purpose.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from world import PASSWORD, World, sign_in

LONDON = ZoneInfo("Europe/London")
#: Exit codes and HTTP statuses, as the one error mapping gives them.
EXIT = {0: "ok", 1: "error", 2: "invalid", 3: "refused", 4: "not-found", 5: "conflict"}
HTTP = {401: "refused", 403: "refused", 404: "not-found", 405: "not-found", 409: "conflict"}
HTTP.update({422: "invalid", 500: "error"})
#: The API path segment of each action (one predates its command's name).
ROUTE = {"assess-impact": "impact-assessment"}


@dataclass
class Outcome:
    """What an attempt came to: ok, invalid, refused, not-found or conflict."""

    status: str
    detail: str = ""
    value: Any = None

    @property
    def ok(self) -> bool:
        """The attempt passed."""
        return self.status == "ok"


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def toml_text(data: Mapping[str, Any]) -> str:
    """A document as TOML (strings, numbers, lists of strings, tables, arrays of tables)."""
    lines: list[str] = []
    tables: list[tuple[str, Mapping[str, Any]]] = []
    arrays: list[tuple[str, list[Mapping[str, Any]]]] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            tables.append((key, value))
        elif isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
            arrays.append((key, list(value)))
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    for key, table in tables:
        lines += ["", f"[{key}]", toml_text(table)]
    for key, items in arrays:
        for item in items:
            lines += ["", f"[[{key}]]", toml_text(item)]
    return "\n".join(lines)


@dataclass
class Cli:
    """``patrolgate ...`` as a person at the shell types it, on the world's database."""

    world: World
    url: str
    folder: Path
    runner: CliRunner = field(default_factory=CliRunner)
    name = "cli"

    def run(self, *args: str) -> Outcome:
        """Invoke the command line; JSON output becomes the outcome's value."""
        env = {
            "PATROLGATE_DATABASE_URL": self.url,
            "PATROLGATE_NOW": self.world.clock.now.isoformat(),
            "PATROLGATE_HOME": str(self.folder),
        }
        result = self.runner.invoke(cli_app, list(args), env=env)
        text = result.stdout.strip()
        value = json.loads(text) if text.startswith(("{", "[")) else text
        detail = result.stderr if result.stderr_bytes else text
        return Outcome(EXIT.get(result.exit_code, "error"), detail, value)

    def _file(self, name: str, document: BaseModel) -> str:
        path = self.folder / name
        path.write_text(toml_text(document.model_dump(mode="json")), encoding="utf-8")
        return str(path)

    def propose(self, login: str, fields: Mapping[str, Any]) -> Outcome:
        """``deployment propose``."""
        args = [
            "deployment",
            "propose",
            "--as",
            login,
            "--profile",
            fields["profile"],
            "--start",
            str(_plain(fields["start"])),
            "--end",
            str(_plain(fields["end"])),
            "--trigger",
            fields.get("trigger", "imminent-intelligence"),
            "--rationale",
            self._file("rationale.toml", fields["rationale"]),
            "--area",
            ",".join(fields["area_codes"]),
            "--format",
            "json",
        ]
        for intel in fields.get("intelligence_ids", ()):
            args += ["--intel", intel]
        if not fields.get("submit", True):
            args.append("--draft")
        outcome = self.run(*args)
        if outcome.ok:
            outcome.value = outcome.value["id"]
        return outcome

    def add_intelligence(self, login: str, fields: Mapping[str, Any]) -> Outcome:
        """``intel add``."""
        args = ["intel", "add", "--as", login, "--format", "json"]
        args += ["--area", ",".join(fields["area_codes"])]
        args += ["--source", str(fields["source"]), "--grade", fields["assessment"]]
        args += ["--handling", fields["handling"], "--text", fields["text"]]
        args += [
            "--from",
            str(_plain(fields["valid_from"])),
            "--to",
            str(_plain(fields["valid_to"])),
        ]
        if fields.get("names_confirmed"):
            args.append("--not-names")
        outcome = self.run(*args)
        if outcome.ok:
            outcome.value = outcome.value["id"]
        return outcome

    def act(self, login: str, action: str, deployment: str, fields: Mapping[str, Any]) -> Outcome:
        """``deployment ACTION ID`` with the command's fields as options."""
        args = ["deployment", action, deployment, "--as", login]
        for name, value in fields.items():
            if value is None or (name == "names_confirmed" and not value):
                continue
            if name == "assessment":
                args += ["--file", self._file("assessment.toml", value)]
            elif name == "report":
                args += ["--file", self._file("debrief.toml", value)]
            elif name == "expected_version":
                args += ["--expect-version", str(value)]
            elif name == "concerning":
                if value == "residual-risk":
                    args.append("--residual-risk")
            elif name == "consultation_id":
                args += ["--objection", str(value)]
            elif name == "names_confirmed":
                args.append("--not-names")
            else:
                args += [f"--{name}", str(_plain(value))]
        return self.run(*args)


@dataclass
class Web:
    """The service in-process, each user signed in with their own session."""

    world: World
    clients: dict[str, tuple[Any, str]] = field(default_factory=dict)

    def client(self, login: str) -> tuple[Any, str]:
        """A client signed in as ``login`` and its CSRF token (signed in once; the world
        gives a password only to those who sign in, as hashing one takes a while)."""
        if login not in self.clients:
            Accounts(self.world.database).set_password(None, login, PASSWORD)
            self.clients[login] = self.world.signed_in(login)
        return self.clients[login]

    @staticmethod
    def outcome(response: Any) -> Outcome:
        """An HTTP answer as an outcome (a redirect after a form post is success)."""
        status = response.status_code
        if 200 <= status < 400:
            return Outcome("ok", response.text[:200])
        return Outcome(HTTP.get(status, "error"), response.text[:2000])


class Api(Web):
    """``/api/v1`` with JSON bodies and the session's CSRF token."""

    name = "api"

    def propose(self, login: str, fields: Mapping[str, Any]) -> Outcome:
        """``POST /api/v1/deployments``."""
        client, csrf = self.client(login)
        body = {k: _plain(v) for k, v in fields.items()}
        response = client.post("/api/v1/deployments", json=body, headers={"X-CSRF-Token": csrf})
        outcome = self.outcome(response)
        if outcome.ok:
            outcome.value = response.json()["id"]
        return outcome

    def add_intelligence(self, login: str, fields: Mapping[str, Any]) -> Outcome:
        """``POST /api/v1/intelligence``."""
        client, csrf = self.client(login)
        body = {k: _plain(v) for k, v in fields.items()}
        response = client.post("/api/v1/intelligence", json=body, headers={"X-CSRF-Token": csrf})
        outcome = self.outcome(response)
        if outcome.ok:
            outcome.value = response.json()["id"]
        return outcome

    def act(self, login: str, action: str, deployment: str, fields: Mapping[str, Any]) -> Outcome:
        """``POST /api/v1/deployments/{id}/{action}``."""
        client, csrf = self.client(login)
        body = {k: _plain(v) for k, v in fields.items()}
        response = client.post(
            f"/api/v1/deployments/{deployment}/{ROUTE.get(action, action)}",
            json=body,
            headers={"X-CSRF-Token": csrf},
        )
        return self.outcome(response)


def _local(value: Any) -> str:
    """A time as a ``datetime-local`` field holds it: local wall time, no offset."""
    if isinstance(value, datetime):
        return local_wall(value, LONDON).isoformat(timespec="minutes")
    return str(value)


def _rationale_fields(rationale: Any) -> Iterator[tuple[str, str]]:
    data = rationale.model_dump(mode="json")
    yield "criterion", data["criterion"]
    yield "summary", data["summary"]
    for key, text in data["ndm"].items():
        yield f"ndm_{key}", text
    for key, text in data["plan"].items():
        yield f"plan_{key}", text
    for i, option in enumerate(data["less_intrusive_options"][:3]):
        yield f"option_{i}", option["option"]
        yield f"why_not_{i}", option["why_not_enough"]
    investigation = data.get("investigation") or {}
    if investigation.get("reference"):
        yield "investigation_reference", investigation["reference"]
    yield "investigators", ", ".join(investigation.get("officers") or [])
    if data.get("rights_consideration"):
        yield "rights_consideration", data["rights_consideration"]


def _document_fields(name: str, value: Any) -> Iterator[tuple[str, str]]:
    data = value.model_dump(mode="json")
    if name == "assessment":
        for key in (
            "area_and_intelligence_basis",
            "communities_affected",
            "current_tensions",
            "expected_impact",
            "equality_impact",
            "residual_risk",
            "owner",
            "public_notice_before",
            "public_notice_not_practicable",
        ):
            if data.get(key):
                yield key, data[key]
        engagement = data["engagement"]
        yield "engagement_borough", engagement["borough"]
        yield "engagement_iag", engagement["independent_advisory_group"]
        yield "engagement_cmg", engagement["community_monitoring_group"]
        yield "mitigations", "\n".join(data["mitigations"])
        yield "next_review", _local(value.next_review)
    else:
        for key in ("summary", "patrol_conformance", "community_feedback", "lessons"):
            if data.get(key):
                yield key, data[key]
        yield "complaints_received", str(data["complaints_received"])
        if data.get("public_notice_after"):
            yield "public_notice_after", data["public_notice_after"]
        for key, count in (data.get("outcomes") or {}).items():
            yield f"outcome_{key}", str(count)


def _form(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields as the client posts them (a name may repeat)."""
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    return fields


class Form(Web):
    """The browser's form posts: field names as the pages name them, times local."""

    name = "form"

    def propose(self, login: str, fields: Mapping[str, Any]) -> Outcome:
        """``POST /deployments/new``, the step-by-step form."""
        client, csrf = self.client(login)
        data: list[tuple[str, str]] = [
            ("csrf_token", csrf),
            ("profile", fields["profile"]),
            ("trigger", fields.get("trigger", "imminent-intelligence")),
            ("start", _local(fields["start"])),
            ("end", _local(fields["end"])),
            ("submit", "submit" if fields.get("submit", True) else "draft"),
        ]
        data += list(_rationale_fields(fields["rationale"]))
        data += [("area_codes", c) for c in fields["area_codes"]]
        data += [("intelligence_ids", i) for i in fields.get("intelligence_ids", ())]
        response = client.post("/deployments/new", data=_form(data), follow_redirects=False)
        outcome = self.outcome(response)
        if outcome.ok:
            outcome.value = response.headers["location"].rsplit("/", 1)[1]
        return outcome

    def add_intelligence(self, login: str, fields: Mapping[str, Any]) -> Outcome:
        """``POST /intelligence``, the intelligence page's form (validity in hours)."""
        client, csrf = self.client(login)
        hours = (fields["valid_to"] - fields["valid_from"]).total_seconds() / 3600
        data: list[tuple[str, str]] = [
            ("csrf_token", csrf),
            ("grade", f"{fields['source']}{fields['assessment']}"),
            ("handling", fields["handling"]),
            ("valid_from", _local(fields["valid_from"])),
            ("valid_hours", str(round(hours))),
            ("text", fields["text"]),
        ]
        data += [("area_codes", c) for c in fields["area_codes"]]
        if fields.get("names_confirmed"):
            data.append(("names_confirmed", "on"))
        response = client.post("/intelligence", data=_form(data), follow_redirects=False)
        return self.outcome(response)

    def act(self, login: str, action: str, deployment: str, fields: Mapping[str, Any]) -> Outcome:
        """``POST /deployments/{id}/{action}``, the deployment page's form."""
        client, csrf = self.client(login)
        data: list[tuple[str, str]] = [("csrf_token", csrf)]
        for name, value in fields.items():
            if value is None:
                continue
            if name in ("assessment", "report"):
                data += list(_document_fields(name, value))
            elif name == "names_confirmed":
                if value:
                    data.append((name, "on"))
            else:
                data.append((name, _local(value)))
        response = client.post(
            f"/deployments/{deployment}/{action}", data=_form(data), follow_redirects=False
        )
        return self.outcome(response)


__all__ = ["LONDON", "Api", "Cli", "Form", "Outcome", "World", "sign_in", "toml_text"]
