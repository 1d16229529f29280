"""Plain text (with TeX math kept as its source) escaped for BibTeX field values.

Our titles and abstracts are plain text in which math stays TeX source (`$\\alpha$`): math
passes through untouched, everything else has LaTeX's special characters escaped. BibTeX counts
braces whatever precedes them, so `\\{` and `\\}` are used only when the text's braces pair up;
otherwise `\\textbraceleft{}` / `\\textbraceright{}` keep every field balanced.
"""

from __future__ import annotations

import re

_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_UNPAIRED_BRACES = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
_PAIRED_BRACES = {"{": r"\{", "}": r"\}"}
# `%`, `#` and `&` end or break TeX even inside math, unless already escaped there.
_MATH_HAZARD = re.compile(r"(?<!\\)([%#&])")
_MAX_MATH_LENGTH = 1000


def split_math(text: str) -> list[tuple[str, bool]]:
    """`text` as (piece, is_math) pieces; math is `$…$` or `$$…$$` with balanced braces."""
    pieces: list[tuple[str, bool]] = []
    plain_start = position = 0
    while (start := text.find("$", position)) != -1:
        if start > 0 and text[start - 1] == "\\":
            position = start + 1
            continue
        end = _math_end(text, start)
        if end is None:
            position = start + 1
            continue
        if start > plain_start:
            pieces.append((text[plain_start:start], False))
        pieces.append((text[start:end], True))
        plain_start = position = end
    if plain_start < len(text):
        pieces.append((text[plain_start:], False))
    return pieces


def _math_end(text: str, start: int) -> int | None:
    delimiter = "$$" if text.startswith("$$", start) else "$"
    close = start + len(delimiter)
    while (close := text.find(delimiter, close)) != -1 and text[close - 1] == "\\":
        close += 1
    if close == -1:
        return None
    end = close + len(delimiter)
    body = text[start + len(delimiter) : close]
    if not body.strip() or len(body) > _MAX_MATH_LENGTH or not _balanced(body):
        return None
    return end


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += char == "{"
        depth -= char == "}"
        if depth < 0:
            return False
    return depth == 0


def escape_plain(text: str) -> str:
    """Every special character escaped (no math): notes, keywords, venues."""
    braces = _PAIRED_BRACES if _balanced(text) else _UNPAIRED_BRACES
    return "".join(_TEXT_ESCAPES.get(char) or braces.get(char) or char for char in text)


def escape_with_math(text: str) -> str:
    """Special characters escaped outside math; math kept as TeX, made safe to compile."""
    pieces = split_math(text)
    plain = "".join(piece for piece, is_math in pieces if not is_math)
    braces = _PAIRED_BRACES if _balanced(plain) else _UNPAIRED_BRACES
    out = []
    for piece, is_math in pieces:
        if is_math:
            out.append(_MATH_HAZARD.sub(r"\\\1", piece))
        else:
            out.append("".join(_TEXT_ESCAPES.get(c) or braces.get(c) or c for c in piece))
    return "".join(out)
