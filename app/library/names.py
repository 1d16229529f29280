"""Byline names split into family and given parts, as citation formats want them."""

from __future__ import annotations

# Lower-case name particles belong to the family name ("van der Waals, Johannes").
PARTICLES = frozenset(("van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la"))


def family_name(name: str) -> str:
    """The family part of "Given Family" (with particles), or of "Family, Given"."""
    return split_name(name)[0]


def split_name(name: str) -> tuple[str, str]:
    """(family, given) of a byline name."""
    if "," in name:
        family, _, given = name.partition(",")
        return family.strip(), given.strip()
    words = name.split()
    if len(words) < 2:
        return name.strip(), ""
    start = len(words) - 1
    while start > 1 and words[start - 1] in PARTICLES:
        start -= 1
    return " ".join(words[start:]), " ".join(words[:start])
