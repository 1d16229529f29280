"""Feed HTML is hostile: one nh3 policy for the HTML we keep, and the plain text we derive from it.

DESIGN.md "Decisions": feed HTML is sanitized on the way in (here) and autoescaped on the way out.
Only basic formatting survives; links keep http/https targets and get rel="noopener nofollow";
nothing executable (script, style, on* handlers, javascript:/data: URLs, iframes, embeds, objects,
meta/link/base, SVG/MathML) survives. Both functions are pure.
"""

from __future__ import annotations

import html
import re

import nh3

# Basic inline and block formatting; no images (tracking pixels), tables or forms.
_INLINE_TAGS = frozenset(
    {"a", "abbr", "b", "cite", "code", "em", "i", "q", "s", "small", "strong", "sub", "sup", "u"}
)
_BLOCK_TAGS = frozenset(
    {"blockquote", "br", "dd", "div", "dl", "dt", "li", "ol", "p", "pre", "ul"}
    | {f"h{level}" for level in range(1, 7)}
)
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
# Dropped together with everything inside them: code, styling and embedded documents. (nh3 drops
# SVG and MathML subtrees on its own; `title`/`head` keep a pasted page's <title> out of the text.)
_CLEAN_CONTENT_TAGS = frozenset(
    {"script", "style", "iframe", "frame", "frameset", "object", "applet", "noscript", "noembed"}
    | {"noframes", "template", "textarea", "select", "xmp", "title", "head"}
)
_LINK_REL = "noopener nofollow"
_URL_SCHEMES = frozenset({"http", "https"})

# "&amp;#8212;": an entity escaped twice by the publisher; one more decoding gives the character.
_DOUBLE_ENTITY_RE = re.compile(
    r"&amp;(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
)
_BLOCK_BOUNDARY_RE = re.compile(
    r"</?(?:" + "|".join(sorted(_BLOCK_TAGS)) + r")(?:\s[^>]*)?>", re.IGNORECASE
)
_TAG_RE = re.compile(r"<[^>]*>")
# Plain text cannot raise "10<sup>4</sup>" and must not read it as "104": exponents and charges
# become Unicode superscripts, anything else "^x". Subscripts just join ("CO2"), as people search.
_SUP_RE = re.compile(r"<sup>(.*?)</sup>", re.S)
_RAISED = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁱⁿ"
_SUPERSCRIPTS = str.maketrans("0123456789+-\u2212=()in", _RAISED)
# A link whose target was unsafe or relative keeps its words and loses the tag (nh3's output is
# normalised, and HTML never nests links, so this pattern is exact).
_HREFLESS_LINK_RE = re.compile(r'<a rel="noopener nofollow">(.*?)</a>', re.S)


def sanitize_html(value: str) -> str:
    """Feed HTML reduced to safe basic formatting (DESIGN: nh3 on the way in)."""
    cleaned = nh3.clean(
        _undo_double_entities(value),
        tags=set(_INLINE_TAGS | _BLOCK_TAGS),
        clean_content_tags=set(_CLEAN_CONTENT_TAGS),
        attributes=_ATTRIBUTES,
        url_schemes=set(_URL_SCHEMES),
        url_relative="deny",
        link_rel=_LINK_REL,
        strip_comments=True,
    )
    return _HREFLESS_LINK_RE.sub(r"\1", cleaned).strip()


def html_to_text(value: str) -> str:
    """The text a reader sees: block elements become line breaks, entities decoded once."""
    # nh3 parses like a browser and re-serialises with `<` and `&` escaped in text, so the
    # only tags left are the block ones kept here to mark line breaks, and <sup>.
    cleaned = nh3.clean(
        _undo_double_entities(value),
        tags=set(_BLOCK_TAGS | {"sup"}),
        clean_content_tags=set(_CLEAN_CONTENT_TAGS),
        attributes={},
        strip_comments=True,
    )
    cleaned = " ".join(cleaned.split())  # source line breaks are spaces in HTML
    cleaned = _SUP_RE.sub(_superscript, cleaned)
    text = html.unescape(_TAG_RE.sub("", _BLOCK_BOUNDARY_RE.sub("\n", cleaned)))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _superscript(match: re.Match[str]) -> str:
    text = html.unescape(_TAG_RE.sub("", match.group(1))).strip()
    raised = text.translate(_SUPERSCRIPTS)
    if not text or not all(char in _RAISED for char in raised):
        raised = f"^{text}" if text else ""
    return html.escape(raised, quote=False)


def _undo_double_entities(value: str) -> str:
    return _DOUBLE_ENTITY_RE.sub(r"&\1;", value) if "&amp;" in value else value
