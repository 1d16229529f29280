"""Pure text helpers: feed text with its formulas, folding, code links, dates, badges, URLs.

Where formulas are and how they become MathML is tested in test_tex.py; here, what a reader sees.
"""

from __future__ import annotations

from datetime import date

import pytest
from lxml import html

from app.web.render import (
    announce_badge,
    date_label,
    doi_url,
    find_code_url,
    fold_abstract,
    link_urls,
    readable_date,
    render_text,
    safe_url,
)
from tests.web.test_tex import ADJACENT, PRESSURES


def shown(markup: str) -> tuple[str, list[str]]:
    """What a reader sees of rendered text (formulas' TeX sources left out), and the formulas."""
    root = html.fragment_fromstring(str(markup), create_parent="p")
    sources = [a.text for a in root.iter("annotation")]
    for annotation in list(root.iter("annotation")):
        annotation.drop_tree()
    return root.text_content(), sources


def test_render_text_escapes_everything_but_generated_mathml():
    markup = render_text("<b>bold</b> & $\\alpha$ and $\\frac{1}{$ <script>")
    assert markup.startswith("&lt;b&gt;bold&lt;/b&gt; &amp; <math")
    assert '<code class="tex-source">$\\frac{1}{$</code>' in markup
    assert markup.endswith(" &lt;script&gt;")


@pytest.mark.parametrize(
    ("text", "reader_sees", "sources"),
    [
        (
            ADJACENT,
            "antiferromagnet (gz/gxy∼3) with very weak exchange interaction (J∼0.22~K)",
            ["g_z", "g_{xy}", "\\sim", "\\sim"],
        ),
        (
            PRESSURES,
            "PC1 ∼1 GPa from EI phase to a semiconductor and PC2 ∼3 GPa",
            ["_{C_1}", "\\sim", "_{C_2}", "\\sim"],
        ),
        ("costs $5 and $10 today", "costs $5 and $10 today", []),
        ("a \\$5 fee and $x$", "a $5 fee and x", ["x"]),  # TeX's escaped dollar is a dollar
        ("unclosed $x and more", "unclosed $x and more", []),
    ],
)
def test_render_text_shows_formulas_as_math_and_prose_as_text(text, reader_sees, sources):
    markup = render_text(text)
    assert shown(markup) == (reader_sees, sources)
    assert 'display="block"' not in markup


def test_no_formula_swallows_a_sentence():
    """The old pattern turned "$\\sim$3) with very weak … (J$" into one <math> of prose."""
    for text in (ADJACENT, PRESSURES):
        _, sources = shown(render_text(text))
        assert all(len(source) < 10 for source in sources), sources


def test_a_word_with_formulas_inside_stays_on_one_line():
    """arXiv 2411.18045's title: browsers would break "YbTa7O" from its "19"."""
    markup = str(render_text("of CeTa$_7$O$_{19}$ and $x$ alone, $y$-like"))
    words = html.fragment_fromstring(markup, create_parent="p").find_class("math-word")
    assert [shown(html.tostring(w, encoding="unicode", with_tail=False)) for w in words] == [
        ("CeTa7O19", ["_7", "_{19}"]),
        ("y-like", ["y"]),
    ]


def test_long_runs_of_formulas_may_still_break():
    markup = str(render_text("$x_1$,$x_2$,$x_3$,$x_4$,$x_5$,$x_6$,$x_7$,$x_8$,$x_9$"))
    words = html.fragment_fromstring(markup, create_parent="p").find_class("math-word")
    assert len(words) > 1
    long_formula = "$" + "+".join(f"a_{i}" for i in range(20)) + "$"
    assert "math-word" not in render_text(f"x{long_formula}y")


def test_render_text_links_urls_except_in_titles():
    markup = render_text("see https://example.org/a_(b). Then")
    assert '<a class="text-link" href="https://example.org/a_(b)" rel="nofollow">' in markup
    assert markup.endswith("</a>. Then")
    assert "<a" not in render_text("see https://example.org/x", links=False)


def test_link_urls_never_links_other_schemes_or_breaks_attributes():
    markup = link_urls('javascript:alert(1) http://a.b/"onmouseover="x data:text/html,1')
    assert markup.count("<a ") == 1
    assert 'href="http://a.b/"' in markup
    assert "&#34;onmouseover=&#34;x" in markup


def test_fold_abstract_cuts_at_a_sentence_outside_math():
    short = "A short abstract. It stays whole."
    assert fold_abstract(short) == (short, "")
    lead_sentence = "Word " * 70 + "ends with $a. B$ inside math. "
    text = lead_sentence + "Next sentence starts here. " + "More words follow. " * 20
    shown, folded = fold_abstract(text)
    assert shown.endswith("inside math.")
    assert folded.startswith("Next sentence starts here.")
    assert shown + " " + folded == text.strip()


def test_fold_abstract_keeps_text_whole_without_a_good_cut():
    text = "word " * 200
    assert fold_abstract(text) == (text.strip(), "")


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (
            ("Our code is available at https://github.com/sail-sg/Stable-RL.",),
            "https://github.com/sail-sg/Stable-RL",
        ),
        (("Code: github.com/a/b-c), and more",), "https://github.com/a/b-c"),
        (("See (https://gitlab.com/group/sub/project/).",), "https://gitlab.com/group/sub/project"),
        (("models at https://huggingface.co/Xu-Ouyang.",), "https://huggingface.co/Xu-Ouyang"),
        (
            ("https://huggingface.co/datasets/org/data;",),
            "https://huggingface.co/datasets/org/data",
        ),
        (("https://huggingface.co/papers/2401.00001",), None),
        (("https://huggingface.co/datasets/org",), None),
        (("see https://github.com/openai only",), None),
        (("write to someone@github.com/x/y",), None),
        (("https://notgithub.com/a/b",), None),
        (("\\url{https://github.com/a/my\\_repo}",), "https://github.com/a/my_repo"),
        ((None, "Comments: code at https://GitHub.com/x/y"), "https://github.com/x/y"),
        (("no links here", None), None),
    ],
)
def test_find_code_url(texts, expected):
    assert find_code_url(*texts) == expected


def test_readable_date():
    assert readable_date(date(2024, 11, 28)) == "28 Nov 2024"
    assert readable_date(date(2024, 11, 28), weekday=True) == "Thursday, 28 November 2024"


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("new", "Announced"),
        ("cross", "Announced"),
        ("replace", "Listed"),  # the day we first saw it, not arXiv's announcement day
        ("replace-cross", "Listed"),
        ("absonly", "Listed"),
        (None, "Published"),
    ],
)
def test_date_label(kind, label):
    assert date_label(kind) == label


@pytest.mark.parametrize(
    ("kind", "version", "badge"),
    [
        ("new", 1, "new"),
        ("cross", 1, "cross-list"),
        ("replace", 3, "replaced v3"),
        ("replace-cross", 2, "replaced v2"),
        ("replace", None, "replaced"),
        ("absonly", 1, "abstract only"),
        (None, None, None),
    ],
)
def test_announce_badge(kind, version, badge):
    assert announce_badge(kind, version) == badge


def test_doi_and_safe_urls():
    assert doi_url("10.1000/a b") == "https://doi.org/10.1000/a%20b"
    assert doi_url(None) is None
    assert safe_url(" https://arxiv.org/abs/1 ") == "https://arxiv.org/abs/1"
    for hostile in (
        "javascript:alert(1)",
        "JAVASCRIPT://x",
        "data:text/html,1",
        "//evil",
        'http://a"b',
    ):
        assert safe_url(hostile) is None
