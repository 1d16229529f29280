"""The HTML policy: feedparser's XSS test cases and the classic vectors leave nothing executable."""

from __future__ import annotations

import io

import feedparser
import lxml.html
import pytest

from app.ingest.sanitize import html_to_text, sanitize_html
from tests.conftest import FIXTURES

SANITIZE = FIXTURES / "feeds" / "feedparser-tests" / "wellformed" / "sanitize"
FORBIDDEN_TAGS = {
    "script", "style", "iframe", "frame", "embed", "object", "applet", "meta", "link", "base",
    "svg", "math", "form", "input", "img", "video", "audio", "source", "template", "noscript",
}  # fmt: skip


def assert_inert(cleaned: str) -> None:
    """Parse the output as a browser would: no dangerous element, handler, style or URL scheme."""
    if not cleaned.strip():
        return
    for element in lxml.html.fragment_fromstring(cleaned, create_parent="div").iter():
        assert element.tag not in FORBIDDEN_TAGS, cleaned
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on") and name.lower() != "style", cleaned
            if name == "href":
                assert value.lower().startswith(("http://", "https://")), cleaned
        if element.tag == "a" and "href" in element.attrib:
            assert element.get("rel") == "noopener nofollow"
    assert "javascript:" not in cleaned.lower()


def feed_payload(name: str) -> str:
    """The raw (unsanitized) HTML a feedparser test case carries in its first entry."""
    parsed = feedparser.parse(
        io.BytesIO((SANITIZE / name).read_bytes()), sanitize_html=False, resolve_relative_uris=False
    )
    entry = parsed.entries[0]
    return (entry.get("content") or [{}])[0].get("value") or entry.get("summary", "")


@pytest.mark.parametrize(
    ("name", "expected_html", "expected_text"),
    [
        (
            "item_description_crazy.xml",
            "<h1>Did The Javascript Execute?</h1>\n<div>\n"
            "I will execute here, too, if you mouse over me\n</div>",
            "Did The Javascript Execute?\nI will execute here, too, if you mouse over me",
        ),
        (
            "entry_content_crazy.xml",
            "<h1>Did The Javascript Execute?</h1>\n<div>\n"
            "I will execute here, too, if you mouse over me\n</div>",
            "Did The Javascript Execute?\nI will execute here, too, if you mouse over me",
        ),
        ("entry_content_script_base64.xml", "safe description", "safe description"),
        (
            "entry_content_style.xml",
            '<a href="http://www.ragingplatypus.com/" rel="noopener nofollow">'
            "never trust your upstream platypus</a>",
            "never trust your upstream platypus",
        ),
        ("item_content_encoded_script_nested_cdata.xml", "]]&gt;", "]]>"),
        ("item_description_onerror.xml", "", ""),
    ],
)
def test_feedparser_xss_cases_are_inert(name: str, expected_html: str, expected_text: str) -> None:
    payload = feed_payload(name)
    assert "script" in payload.lower() or "on" in payload.lower()  # the attack is really there
    cleaned = sanitize_html(payload)
    assert_inert(cleaned)
    assert cleaned == expected_html
    assert html_to_text(payload) == expected_text


VECTORS = [
    "<script>alert(1)</script>kept",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>kept",
    "<![CDATA[<script>alert(1)</script>]]>kept",
    "<!--<script>alert(1)</script>-->kept",
    '<img src=x onerror="alert(1)">kept',
    '<p onclick="alert(1)" onmouseover=alert(2)>kept</p>',
    '<body onload="alert(1)">kept',
    '<a href="javascript:alert(1)">kept</a>',
    '<a href=" JaVaScRiPt:alert(1)">kept</a>',
    '<a href="jav&#x09;ascript:alert(1)">kept</a>',
    '<a href="&#106;avascript:alert(1)">kept</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">kept</a>',
    '<a href="vbscript:msgbox(1)">kept</a>',
    '<a href="/relative/path">kept</a>',
    '<p style="background:url(javascript:alert(1))">kept</p>',
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%">kept</div>',
    "<style>body{background:url(javascript:alert(1))}</style>kept",
    '<iframe src="https://evil.example/"></iframe>kept',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>kept',
    '<embed src="https://evil.example/x.swf">kept',
    '<object data="https://evil.example/x.swf"><param name="a" value="b"></object>kept',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">kept',
    '<link rel="stylesheet" href="https://evil.example/x.css">kept',
    '<base href="javascript:alert(1)//">kept',
    "<svg><script>alert(1)</script></svg>kept",
    '<svg onload="alert(1)"><a xlink:href="javascript:alert(1)">x</a></svg>kept',
    "<math><mtext><script>alert(1)</script></mtext></math>kept",
    '<math href="javascript:alert(1)"><mi>x</mi></math>kept',
    '<form action="javascript:alert(1)"><button>x</button></form>kept',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">kept',
    "<template><script>alert(1)</script></template>kept",
    '<video><source onerror="alert(1)"></video>kept',
    '<a href="https://ok.example/" target="_blank" rel="opener">kept</a>',
]


@pytest.mark.parametrize("vector", VECTORS)
def test_classic_vectors_leave_nothing_executable(vector: str) -> None:
    cleaned = sanitize_html(vector)
    assert_inert(cleaned)
    assert "kept" in html_to_text(vector)


def test_basic_formatting_and_safe_links_survive() -> None:
    source = (
        '<p class="x">CO<sub>2</sub> and <i>E. coli</i>, <b>bold</b>, <em>em</em>,'
        ' <a href="https://doi.org/10.1000/x" title="DOI">link</a></p><ul><li>one</li></ul>'
    )
    assert sanitize_html(source) == (
        "<p>CO<sub>2</sub> and <i>E. coli</i>, <b>bold</b>, <em>em</em>, "
        '<a href="https://doi.org/10.1000/x" title="DOI" rel="noopener nofollow">link</a></p>'
        "<ul><li>one</li></ul>"
    )


def test_links_without_a_safe_target_lose_the_tag_not_the_words() -> None:
    assert sanitize_html('see <a href="javascript:x()">the <i>paper</i></a>') == (
        "see the <i>paper</i>"
    )


def test_double_encoded_entities_are_decoded_once_more() -> None:
    assert sanitize_html("a &amp;#8212; b &amp;amp; c &amp;eacute;") == "a — b &amp; c é"
    assert html_to_text("a &amp;#8212; b &amp;amp; c") == "a — b & c"


def test_html_to_text_blocks_become_lines_and_entities_decode_once() -> None:
    # Unicode spaces (thin, no-break) fold to plain spaces, as clean_text folds them anyway.
    source = (
        "<h3>Background</h3><p>Growth &lt;5&#8201;% at p&nbsp;&lt;&nbsp;0.05.</p>"
        "<p>Two\n   lines<br>joined</p><ul><li>a</li><li>b</li></ul>tail &amp;lt;x&amp;gt;"
    )
    assert html_to_text(source) == (
        "Background\nGrowth <5 % at p < 0.05.\nTwo lines\njoined\na\nb\ntail <x>"
    )


def test_plain_text_passes_through() -> None:
    assert html_to_text("no markup at all") == sanitize_html("no markup at all")
    assert html_to_text("") == sanitize_html("") == ""


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("10<sup>4</sup> cells", "10⁴ cells"),
        ("Na<sup>+</sup> and m<sup>&minus;2</sup>", "Na⁺ and m⁻²"),
        ("x<sup>a,b</sup>", "x^a,b"),
        ("CO<sub>2</sub> and H<sub>2</sub>O", "CO2 and H2O"),
    ],
)
def test_superscripts_keep_their_meaning_in_plain_text(source: str, text: str) -> None:
    assert html_to_text(source) == text
