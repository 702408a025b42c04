"""Deployment documents: length and range limits, screening of every text and outcome name."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from patrolgate.errors import InvalidInput
from patrolgate.screening import IdentityInText, PossibleNameInText
from patrolgate.workflow.documents import (
    MAX_COUNT,
    PARAGRAPH,
    Debrief,
    ImpactAssessment,
    Rationale,
    parse_document,
    read_document,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _example(name: str) -> dict[str, Any]:
    return tomllib.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def test_the_examples_pass() -> None:
    """The shipped example documents are accepted as they are."""
    read_document(Rationale, EXAMPLES / "rationale.toml")
    read_document(ImpactAssessment, EXAMPLES / "impact-assessment.toml")
    read_document(Debrief, EXAMPLES / "debrief.toml")


def test_the_knife_sentence_is_refused_in_a_rationale() -> None:
    """An identity anywhere in a rationale is refused, naming the field, even if confirmed."""
    data = _example("rationale.toml")
    data["ndm"]["information"] = "John Smith, 19, of 12 Acre Lane will carry a knife"
    data["names_confirmed"] = True
    with pytest.raises(IdentityInText, match=r"ndm\.information: an age next to a name"):
        parse_document(Rationale, data, "rationale")


def test_outcome_names_are_screened_and_counts_bounded() -> None:
    """Outcome names reach the public report: screened; counts 0 to 10,000."""
    data = _example("debrief.toml")
    data["outcomes"] = {"arrests of John Smith, 19": 1}
    with pytest.raises(IdentityInText, match="its name"):
        parse_document(Debrief, data, "debrief")
    for count in (-1, MAX_COUNT + 1, 10**30):
        data["outcomes"] = {"arrests": count}
        with pytest.raises(InvalidInput, match="outcomes"):
            parse_document(Debrief, data, "debrief")
    data["outcomes"] = {"arrests": MAX_COUNT}
    data["complaints_received"] = MAX_COUNT + 1
    with pytest.raises(InvalidInput, match="complaints_received"):
        parse_document(Debrief, data, "debrief")
    data["complaints_received"] = 0
    data["outcomes"] = {f"outcome {n}": 1 for n in range(31)}
    with pytest.raises(InvalidInput, match="outcomes"):
        parse_document(Debrief, data, "debrief")
    data["outcomes"] = {"x" * 81: 1}
    with pytest.raises(InvalidInput, match="outcomes"):
        parse_document(Debrief, data, "debrief")


def test_every_text_has_a_limit_in_the_schema() -> None:
    """Every string of every document states a maximum length in its JSON schema."""
    for kind in (Rationale, ImpactAssessment, Debrief):
        schema = kind.model_json_schema()
        unbounded = [
            f"{kind.__name__}.{path}"
            for path, spec in _string_fields(schema, schema)
            if "maxLength" not in spec
        ]
        assert unbounded == []
    data = _example("debrief.toml")
    data["summary"] = "Patrols completed. " * (PARAGRAPH // 10)
    with pytest.raises(InvalidInput, match="summary"):
        parse_document(Debrief, data, "debrief")


def _string_fields(
    node: dict[str, Any], root: dict[str, Any], path: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    if "$ref" in node:
        target = root["$defs"][node["$ref"].split("/")[-1]]
        yield from _string_fields(target, root, path)
        return
    for option in node.get("anyOf", []):
        yield from _string_fields(option, root, path)
    if node.get("type") == "string" and node.get("format") != "date-time" and "enum" not in node:
        yield path, node
    for name, child in node.get("properties", {}).items():
        yield from _string_fields(child, root, f"{path}.{name}" if path else name)
    if isinstance(node.get("items"), dict):
        yield from _string_fields(node["items"], root, f"{path}[]")
    for item in node.get("prefixItems", []):
        yield from _string_fields(item, root, f"{path}[]")
    if isinstance(node.get("propertyNames"), dict):
        yield path + "{name}", {"type": "string", **node["propertyNames"]}


def test_possible_names_need_the_documents_confirmation() -> None:
    """A capitalised name asks for names_confirmed; with it, the document keeps the flag."""
    data = _example("impact-assessment.toml")
    data["communities_affected"] = "Residents and traders; Marcus Okafor's shop nearby."
    with pytest.raises(PossibleNameInText, match="communities_affected: Marcus Okafor"):
        parse_document(ImpactAssessment, data, "assessment")
    data["names_confirmed"] = True
    document = parse_document(ImpactAssessment, data, "assessment")
    assert document.names_confirmed
    assert document.model_dump(mode="json")["names_confirmed"] is True
