"""Free-text screening: identities refused, possible names flagged, linear time on 2 MB."""

from __future__ import annotations

import pytest

from patrolgate.screening import (
    IdentityInText,
    PossibleNameInText,
    require_screened,
    screen,
)
from patrolgate.screening.given_names import given_names


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("John Smith, 19, of 12 Acre Lane will carry a knife", "an age next to a name"),
        ("John Smith, 19, of 12 Acre Lane will carry a knife", "a house-number address"),
        ("Contact on 07700 900123 after dark", "a telephone number"),
        ("Call 020 7946 0018", "a telephone number"),
        ("Call (020) 7946-0018", "a telephone number"),
        ("Call +44 7700 900123", "a telephone number"),
        ("ring 07700900123", "a telephone number"),
        ("Email someone@example.com", "an e-mail address"),
        ("mail j.smith+x@mail.example.co.uk today", "an e-mail address"),
        ("Seen at SE15 5AB yesterday", "a postcode"),
        ("Seen at se155ab yesterday", "a postcode"),
        ("Car AB12 CDE seen", "a vehicle registration"),
        ("Car AB12CDE seen", "a vehicle registration"),
        ("Old car A123 BCD seen", "a vehicle registration"),
        ("NI AB 12 34 56 C", "a National Insurance number"),
        ("Subject DOB 01/01/2000", "a date of birth"),
        ("d.o.b. 01/01/2000", "a date of birth"),
        ("his date of birth is known", "a date of birth"),
        ("born on 3 May 2004 in Lambeth", "a date of birth"),
        ("born in 1999", "a date of birth"),
        ("Smith (19) was seen", "an age next to a name"),
        ("Smith aged 19 was seen", "an age next to a name"),
        ("a 19-year-old Okafor was seen", "an age next to a name"),
        ("Flat 3 above the shop", "a house-number address"),
        ("from 221b Baker Street", "a house-number address"),
        ("Per CHIS reporting", "a source reference"),
        ("informant says", "a source reference"),
        ("PNC checks show", "a PNC or CRO reference"),
        ("Youth aka Shadow", "a person's nickname"),
        ("Youth a.k.a. Shadow", "a person's nickname"),
    ],
)
def test_identities_are_refused(text: str, found: str) -> None:
    """Each kind of identity is found, said without echoing it, and refused even if confirmed."""
    identifiers = screen(text).identifiers
    assert any(i.startswith(found) for i in identifiers), identifiers
    with pytest.raises(IdentityInText, match=found):
        require_screened(text, "the note", names_confirmed=True)


@pytest.mark.parametrize(
    "text",
    [
        "Robberies rose near Peckham Rye station and along Acre Lane after dark.",
        "The National Decision Model was followed; Community Impact Assessment done.",
        "Section 60, 24 hours, in the SE15 and SE5 postcode districts.",
        "Three incidents in May and June; 12 in the week to 2018-06-03.",
        "Figures for 2017 2018 2019 2020 are in the table.",
        "Young people passing through Brixton; the Metropolitan Police Service briefed.",
        "Between 0 and 10 000 000 000 pounds of damage.",
        "In May, 12 incidents were recorded in the ward.",
        "Victoria line disruption moved the crowd.",
        "Disorder near Victoria station and in Chelsea; groups from Brent and Richmond.",
    ],
)
def test_area_level_text_passes(text: str) -> None:
    """Area-level texts with places, numbers and organisations pass without a question."""
    assert screen(text).clean, screen(text)
    assert require_screened(text, "the note") == text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Marcus Okafor will attend the market", "Marcus Okafor"),
        ("seen with Marcus near the station", "Marcus"),
        ("Okafor Adebayo was there", "Okafor Adebayo"),
        ("JOHN SMITH arrived", "JOHN SMITH"),
    ],
)
def test_possible_names_need_confirmation(text: str, name: str) -> None:
    """A given name of the list, or a run of capitalised words, asks for confirmation."""
    assert name in screen(text).possible_names
    with pytest.raises(PossibleNameInText, match=name):
        require_screened(text, "the note")
    assert require_screened(text, "the note", names_confirmed=True) == text


def test_the_given_names_list_is_shipped() -> None:
    """The shipped list holds thousands of names, in lower case."""
    names = given_names()
    assert len(names) > 10_000
    assert {"john", "marcus", "aisha", "mohammed"} <= names
    assert all(name == name.lower() for name in names)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "unit",
    ["a", "a@", "1 ", "A ", "(", "0 ", "Ab ", "John ", "12 Ab ", "a.", "Ab, 1", "born ", "+0"],
)
def test_two_megabytes_of_adversarial_text_screen_in_linear_time(unit: str) -> None:
    """2 MB built to make backtracking patterns explode is screened (the old e-mail pattern
    took minutes); the pytest timeout is the bound, far above what a linear scan needs."""
    text = unit * (2_000_000 // len(unit))
    result = screen(text)
    assert isinstance(result.clean, bool)
    with_identity = text[:1_000_000] + " call 07700 900123 " + text[1_000_000:]
    assert any(i.startswith("a telephone number") for i in screen(with_identity).identifiers)
