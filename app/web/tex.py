"""TeX in feed text: find the formulas (`split_math`) and rebuild each as safe MathML.

Feed text is hostile (DESIGN, "Feed HTML is untrusted"). The only markup emitted here is MathML
rebuilt from latex2mathml's element tree, keeping allow-listed MathML elements and attributes only
(latex2mathml passes `\\text{<script>}`, `\\href{javascript:…}` and `\\style{…}` straight through,
so its string output is never trusted).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache

from latex2mathml.converter import convert_to_element
from markupsafe import Markup, escape

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
MAX_TEX_LENGTH = 1000

# Where a formula may start: a dollar, or a backslash (\( \[ open formulas, \$ \\ are skipped).
MATH_START = re.compile(r"[$\\]")
# A command, script or group: a body with these is TeX even with spaces inside its dollars.
TEX_SYNTAX = re.compile(r"[\\^_{}]")
# Words in \text{…}, \mathrm{…} and friends are meant to be words.
TEXT_COMMAND = re.compile(
    r"\\(?:text[a-z]*|mbox|hbox|mathrm|operatorname\*?)\s*\{[^{}]*\}", re.IGNORECASE
)
# Three plain words in a row ("with very weak"): what sits between two unrelated dollars is prose,
# as in "($g_{xy}$$\sim$3) with very weak exchange interaction (J$\sim$0.22~K)" (arXiv 2411.18045).
PROSE_RUN = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}(?:\s+[A-Za-z]{2,}){2,}(?![A-Za-z])")

MATHML_ELEMENTS = frozenset(
    [
        "math",
        "semantics",
        "annotation",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "msup",
        "msub",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mstyle",
        "mover",
        "munder",
        "munderover",
        "mtable",
        "mtr",
        "mtd",
        "mlabeledtr",
        "mpadded",
        "mphantom",
        "menclose",
        "merror",
        "mfenced",
        "mmultiscripts",
        "mprescripts",
        "none",
    ]
)
MATHML_ATTRIBUTES = frozenset(
    [
        "display",
        "mathvariant",
        "stretchy",
        "fence",
        "separator",
        "separators",
        "columnalign",
        "columnspacing",
        "rowspacing",
        "columnlines",
        "rowlines",
        "rowalign",
        "displaystyle",
        "scriptlevel",
        "lspace",
        "rspace",
        "accent",
        "accentunder",
        "linethickness",
        "movablelimits",
        "minsize",
        "maxsize",
        "largeop",
        "symmetric",
        "form",
        "width",
        "height",
        "depth",
        "voffset",
        "notation",
        "open",
        "close",
        "frame",
        "framespacing",
        "equalrows",
        "equalcolumns",
        "align",
    ]
)
# Attribute values are lengths, keywords and numbers: no colon, quote or angle bracket passes.
SAFE_ATTRIBUTE_VALUE = re.compile(r"^[A-Za-z0-9 .%#+\-]{0,64}$")


class UnsafeMathError(ValueError):
    """latex2mathml produced something outside the MathML allow-list."""


@dataclass(frozen=True)
class Segment:
    """A run of plain text, or one formula with its delimiters (`source`) and TeX body."""

    source: str
    tex: str | None = None
    display: bool = False


def split_math(text: str) -> list[Segment]:
    """Cut `text` into plain-text and formula segments, in order.

    `$$…$$` is display math only when a closing `$$` follows with no `$` between, so
    back-to-back inline formulas (`$g_{xy}$$\\sim$`) stay two inline formulas. An inline body
    holds no `$`; one without TeX syntax follows pandoc's rule for money ("costs $5 and $10":
    no space just inside either dollar, and "$5-$10": no digit after the closing one), while a
    TeX body may have both (`$\\sim$3`, `$J \\sim $ 2 K`, common on arXiv). A body that reads as
    prose is not a formula, and `\\$` is a literal dollar.
    """
    segments: list[Segment] = []
    plain_from = position = 0
    while (start := MATH_START.search(text, position)) is not None:
        position = start.start()
        found = _formula_at(text, position)
        if found is None:
            position += 2 if text[position] == "\\" else 1  # skip \$, \\ and any \command
            continue
        end, tex, display = found
        if position > plain_from:
            segments.append(Segment(text[plain_from:position]))
        segments.append(Segment(text[position:end], tex, display))
        plain_from = position = end
    if plain_from < len(text):
        segments.append(Segment(text[plain_from:]))
    return segments


def _formula_at(text: str, start: int) -> tuple[int, str, bool] | None:
    """(end, TeX body, display) of the formula opening at `start`, or None."""
    opener = text[start : start + 2]
    if opener in ("\\(", "\\["):
        closer = "\\)" if opener == "\\(" else "\\]"
        close = text.find(closer, start + 3, start + 2 + MAX_TEX_LENGTH + 2)
        found = (close + 2, text[start + 2 : close], opener == "\\[") if close > 0 else None
    elif opener == "$$":
        close = text.find("$", start + 2, start + 2 + MAX_TEX_LENGTH + 1)
        is_pair = close > start + 2 and text.startswith("$$", close)
        found = (close + 2, text[start + 2 : close], True) if is_pair else None
    elif opener.startswith("$"):
        found = _inline_at(text, start)
    else:
        return None
    if found is None or not found[1].strip() or _is_prose(found[1]):
        return None
    return found


def _inline_at(text: str, start: int) -> tuple[int, str, bool] | None:
    close = text.find("$", start + 1, start + 1 + MAX_TEX_LENGTH + 1)
    if close < 0:
        return None
    body = text[start + 1 : close]
    if not body.strip() or body[-1] == "\\":
        return None
    if TEX_SYNTAX.search(body):
        return close + 1, body, False  # "$J \sim $ 2 K", "$0.84 \pm $0.04": TeX, spaces or not
    if body[0].isspace() or body[-1].isspace():
        return None  # "costs $5 and $10"
    if body[0].isdigit() and text[close + 1 : close + 2].isdigit():
        return None  # "$5-$10"
    return close + 1, body, False


def _is_prose(tex: str) -> bool:
    return PROSE_RUN.search(TEXT_COMMAND.sub(" ", tex)) is not None


@lru_cache(maxsize=8192)
def tex_to_mathml(tex: str, display: bool = False) -> Markup | None:
    """Safe MathML for one formula, or None when it does not convert cleanly."""
    try:
        root = convert_to_element(tex, display="block" if display else "inline")
        _unspace_lone_operator(root)
        body = "".join(_serialise(child) for child in root)
        if len(root) != 1:
            body = f"<mrow>{body}</mrow>"  # <semantics> renders exactly its first child
    except Exception:  # latex2mathml raises many kinds (and RecursionError on deep nesting)
        return None
    mode = "block" if display else "inline"
    annotation = f'<annotation encoding="application/x-tex">{escape(tex)}</annotation>'
    return Markup(
        f'<math xmlns="{MATHML_NS}" display="{mode}">'
        f"<semantics>{body}{annotation}</semantics></math>"
    )


def _unspace_lone_operator(root: ET.Element) -> None:
    # TeX spaces a relation only against its neighbours, so "$\sim$3" reads "∼3"; MathML would
    # pad a lone <mo> on both sides as if it sat between two terms.
    element = root
    while len(element) == 1 and element[0].tag == "mrow":
        element = element[0]
    if len(element) == 1 and element[0].tag in ("mo", "mi") and len(element[0]) == 0:
        lone = element[0]
        if lone.tag == "mo" or _text(lone.text) == "~":  # \sim, see _serialise
            lone.attrib.update(lspace="0", rspace="0")


def _serialise(element: ET.Element) -> str:
    if element.tag not in MATHML_ELEMENTS or element.tag in ("math", "annotation"):
        raise UnsafeMathError(element.tag)
    attributes = "".join(
        f' {name}="{escape(value)}"'
        for name, value in sorted(element.attrib.items())
        if name in MATHML_ATTRIBUTES and SAFE_ATTRIBUTE_VALUE.match(value)
    )
    text = _text(element.text)
    if element.tag in ("mi", "mo") and text.startswith("\\") and len(text) > 1:
        # latex2mathml prints commands it does not know as literal text: treat as a failure
        raise UnsafeMathError(text)
    tag = element.tag
    if tag == "mi" and text == "~":
        # latex2mathml 3.81 writes \sim as the identifier "~"; it is the relation U+223C
        tag, text = "mo", "\u223c"
    children = "".join(_serialise(child) for child in element)
    tail = _text(element.tail)
    return f"<{tag}{attributes}>{escape(text)}{children}</{tag}>{escape(tail)}"


def _text(value: str | None) -> str:
    # latex2mathml writes characters as entity references ("&#x003B1;") next to raw text, so
    # decode once and escape once.
    return html.unescape(value) if value else ""
