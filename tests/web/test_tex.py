"""Formulas in feed text: where they are (split_math) and their safe MathML (tex_to_mathml)."""

from __future__ import annotations

import pytest
from lxml import etree

from app.web.tex import Segment, split_math, tex_to_mathml

# Real arXiv abstracts from tests/fixtures/feeds/arxiv-rss/rss-all-archives-2024-11-28.xml.
ADJACENT = (
    r"antiferromagnet ($g_z$/$g_{xy}$$\sim$3) with very weak exchange interaction (J$\sim$0.22~K)"
)
PRESSURES = r"P$_{C_1}$ $\sim$1 GPa from EI phase to a semiconductor and P$_{C_2}$ $\sim$3 GPa"


def formulas(text: str) -> list[str]:
    return [segment.tex for segment in split_math(text) if segment.tex is not None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a $x$ b", [Segment("a "), Segment("$x$", "x"), Segment(" b")]),
        ("$$x^2$$", [Segment("$$x^2$$", "x^2", display=True)]),
        ("\\(a\\) \\[b\\]", [Segment("\\(a\\)", "a"), Segment(" "), Segment("\\[b\\]", "b", True)]),
        ("costs $5 and $10", [Segment("costs $5 and $10")]),  # money, not math
        ("from $5-$10", [Segment("from $5-$10")]),
        ("price \\$3 and $x$", [Segment("price \\$3 and "), Segment("$x$", "x")]),
        ("\\$x\\$ stays", [Segment("\\$x\\$ stays")]),
        ("$ x$ and $x $", [Segment("$ x$ and $x $")]),
        ("unclosed $x", [Segment("unclosed $x")]),
        ("one $ alone", [Segment("one $ alone")]),
        ("$$ alone", [Segment("$$ alone")]),
        ("a\\\\$x$", [Segment("a\\\\"), Segment("$x$", "x")]),  # TeX's line break, then math
        ("", []),
    ],
)
def test_split_math(text, expected):
    assert split_math(text) == expected


def test_adjacent_inline_formulas_stay_inline_and_prose_stays_text():
    """arXiv 2411.18045: `$g_{xy}$$\\sim$3` is two inline formulas and a digit, not `$$`."""
    segments = split_math(ADJACENT)
    assert formulas(ADJACENT) == ["g_z", "g_{xy}", "\\sim", "\\sim"]
    assert not any(segment.display for segment in segments)
    assert Segment("3) with very weak exchange interaction (J") in segments
    assert segments[-1] == Segment("0.22~K)")


def test_a_digit_may_follow_a_formula():
    """arXiv 2411.18031: "P$_{C_2}$ $\\sim$3 GPa"."""
    assert formulas(PRESSURES) == ["_{C_1}", "\\sim", "_{C_2}", "\\sim"]
    assert Segment("3 GPa") in split_math(PRESSURES)
    assert formulas("$>$3 sigma and $<$10") == [">", "<"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # TeX bodies may have spaces inside their dollars (all from the recorded feed)
        ("coupling $J \\sim $ 2 K", ["J \\sim "]),
        ("up to $ \\sqrt{s} = 13$ TeV", [" \\sqrt{s} = 13"]),
        ("AUCs of $0.84 \\pm $0.04", ["0.84 \\pm "]),
        ("we have ${\\rm dim}$$(F\\cap F')\\geq 1$.", ["{\\rm dim}", "(F\\cap F')\\geq 1"]),
        ("p$^\\prime$$\\gamma$$\\gamma$)", ["^\\prime", "\\gamma", "\\gamma"]),
        ("is $$ \\sum_n a_n $$ where $r$ is", [" \\sum_n a_n ", "r"]),
        ("$a$$b$$c$", ["a", "b", "c"]),
        ("$x \\text{ if and only if } y$", ["x \\text{ if and only if } y"]),
        # prose between two unrelated dollars is never a formula
        ("under $3 and completing in an hour (at $0.031 each)", []),
        ("a $b with very weak words$ c", []),
        ("$$ this is prose between $$", []),
    ],
)
def test_formulas_found(text, expected):
    assert formulas(text) == expected


def test_display_math_needs_its_closing_pair():
    segments = split_math("$$x$ and $y$$")
    assert [s.tex for s in segments if s.tex] == ["x", "y"]
    assert not any(s.display for s in segments)


def parse_math(markup: str) -> etree._Element:
    return etree.fromstring(markup.encode())


def test_tex_to_mathml_is_well_formed_with_its_source_kept():
    markup = tex_to_mathml("\\frac{a}{b} < \\alpha")
    root = parse_math(str(markup))
    assert root.tag == "{http://www.w3.org/1998/Math/MathML}math"
    assert root.get("display") == "inline"
    assert root.findtext(".//{*}annotation") == "\\frac{a}{b} < \\alpha"
    assert root.find(".//{*}mfrac") is not None
    assert tex_to_mathml("x", display=True).startswith(
        '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">'
    )


def test_sim_is_the_tilde_operator():
    root = parse_math(str(tex_to_mathml("J\\sim 3")))
    assert [(e.text, e.attrib) for e in root.iter("{*}mo")] == [("\u223c", {})]


@pytest.mark.parametrize("tex", ["\\sim", ">", "\\approx"])
def test_a_lone_operator_is_not_padded(tex):
    """ "$\\sim$3" reads "∼3" in TeX: a relation is spaced only against its neighbours."""
    [operator] = parse_math(str(tex_to_mathml(tex))).iter("{*}mo")
    assert operator.attrib == {"lspace": "0", "rspace": "0"}


@pytest.mark.parametrize(
    "tex",
    [
        "\\text{<script>alert(1)</script>}",
        "\\text{<img src=x onerror=alert(1)>}",
        "\\href{javascript:alert(1)}{x}",
        "\\style{background:url(javascript:alert(1))}{x}",
        "\\class{evil}{x}",
        "\\color{red} x",
        'a & b \\mathrm{"><svg onload=alert(1)>}',
        "\\operatorname{</math><script>alert(1)</script>}",
    ],
)
def test_hostile_tex_yields_inert_mathml(tex):
    markup = tex_to_mathml(tex)
    if markup is None:
        return  # refused: the page shows the escaped source instead
    root = parse_math(str(markup))
    allowed_attributes = {
        "xmlns",
        "display",
        "mathvariant",
        "stretchy",
        "encoding",
        "fence",
        "separator",
        "columnalign",
        "displaystyle",
        "scriptlevel",
        "lspace",
        "rspace",
        "movablelimits",
        "accent",
        "minsize",
        "maxsize",
        "symmetric",
        "form",
        "width",
        "linethickness",
    }
    for element in root.iter():
        assert etree.QName(element).localname not in ("script", "img", "svg", "a", "style")
        assert set(element.attrib) <= allowed_attributes, element.attrib
    assert "javascript" not in " ".join(v for e in root.iter() for v in e.attrib.values())


def test_unknown_commands_and_syntax_errors_are_refused():
    assert tex_to_mathml("\\frac{1}{") is None
    assert tex_to_mathml("\\notacommand x") is None
    assert tex_to_mathml("{" * 5000) is None  # deep nesting never escapes as an error
