"""Plain-text normalisation of feed fields: entities, TeX outside math, whitespace, NFC, match keys.

The rules follow DESIGN.md "Text": entities decoded once, TeX accents and escapes decoded, Unicode
NFC, math kept as its TeX source for the renderer. Anything we do not recognise is kept verbatim.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import unquote

from app.schemas import AuthorRecord

# Only complete, semicolon-terminated references: "R&D" or "&para" stay as written.
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Math openers: `$$`, `$`, `\(`, `\[`, `\begin{env}` (its content kept verbatim); `\$` and `\\` are
# text, never delimiters. Closers are searched once per kind, so unclosed openers stay linear.
_MATH_OPEN_RE = re.compile(r"\\[\\$]|\$\$|\$|\\\(|\\\[|\\begin\{([A-Za-z*]+)\}")
_INLINE_BODY_RE = re.compile(r"(?:[^$\\]|\\.)+?\$", re.S)
_CLOSERS = {"$$": "$$", "\\(": "\\)", "\\[": "\\]"}

_MARKS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}  # fmt: skip
_LETTERS = {
    "ss": "ß", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "o": "ø",
    "O": "Ø", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "dj": "đ", "DJ": "Đ",
    "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "textendash": "–", "textemdash": "—",
}  # fmt: skip


def _greek_letter(name: str) -> str:
    case = "CAPITAL" if name[0].isupper() else "SMALL"
    return unicodedata.lookup(f"GREEK {case} LETTER {name.upper().replace('LAMBDA', 'LAMDA')}")


# arXiv stores pasted Unicode as "{\alpha}", "360{\deg}": braced, outside math, so decoded here.
_GREEK_NAMES = (
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
    "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma",
    "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
)  # fmt: skip
_SYMBOLS = {
    **{name: _greek_letter(name) for name in _GREEK_NAMES},
    "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "varpi": "ϖ", "varrho": "ϱ", "varsigma": "ς",
    "deg": "°", "pm": "±", "times": "×", "infty": "∞", "ell": "ℓ", "approx": "≈", "sim": "∼",
}  # fmt: skip
# Pure formatting: plain text cannot show it, so the words stay and the markup goes.
_FORMAT_COMMANDS = frozenset((
    "textbf", "textit", "emph", "texttt", "textsc", "textrm", "textsf", "textup", "textnormal",
    "textsl", "underline", "mbox", "text",
))  # fmt: skip
_FONT_SWITCH_RE = re.compile(
    r"\\(?:it|em|bf|sc|rm|tt|sf|sl|small|large|footnotesize|scriptsize|tiny|normalsize"
    r"|bfseries|itshape|scshape|upshape)(?![A-Za-z])\s*(?P<rest>.*)",
    re.S,
)
_SYMBOL_GROUP_RE = re.compile(r"\\(?P<name>[A-Za-z]+)\s*")
_ESCAPES = {"&": "&", "%": "%", "#": "#", "$": "$", "_": "_", "-": "", " ": " "}

_ARG = r"(?:\\[ij](?![A-Za-z])|[A-Za-z])"
_ACCENT = (
    r"\\(?P<mark>['`^\"~=.]|[uvHckrdb](?![A-Za-z]))\s*"
    rf"(?:\{{\s*(?P<barg>{_ARG})\s*\}}|(?P<arg>{_ARG}))"
)
_LETTER = r"\\(?P<let>" + "|".join(sorted(_LETTERS, key=len, reverse=True)) + r")(?![A-Za-z])"
_LETTER_TAIL = r"(?P<tail>\{\}| (?=[a-z]))?"
_GROUP_BODY = r"(?:[^{}$]|\{(?:[^{}$]|\{[^{}$]*\})*\})*"

# The leading lookahead lets the engine skip plain text fast (about 6x on arXiv abstracts).
_TEXT_RE = re.compile(
    r"(?=[\\{`'_^-])(?:"
    rf"(?P<acc>{_ACCENT})"
    rf"|(?P<letter>{_LETTER}){_LETTER_TAIL}"
    rf"|(?P<cmd>\\(?P<name>[A-Za-z]+)\*?(?P<args>(?:\s*\[[^\[\]{{}}]*\])?(?:\s*\{{{_GROUP_BODY}\}})*))"
    r"|\\(?P<esc>[&%#$_\- ])"
    r"|(?P<sym>\\[^A-Za-z]|[_^]\{[^{}]*\})"
    rf"|\{{(?P<group>{_GROUP_BODY})\}}"
    r"|(?P<quote>``|'')"
    r"|(?P<dash>-{2,}))"
)
_SINGLE_ARG_RE = re.compile(rf"\{{({_GROUP_BODY})\}}")
_ACCENTS_ONLY_RE = re.compile(rf"{_ACCENT}|{_LETTER}")

_FOLD = str.maketrans(
    {"ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
     "ȷ": "j", "ŋ": "ng", "ħ": "h", "ŧ": "t", "ß": "ss"}
)  # fmt: skip
# UTF-8 read as Latin-1/cp1252 upstream ("JosÃ© RaÃºl", "$Î\x98(n)$"): a lead byte plus its exact
# continuation bytes never occurs in real text, so such runs are decoded back; anything else stays.
_CP1252_BYTES = {bytes([b]).decode("cp1252", "ignore"): b for b in range(0x80, 0xA0)}
_CP1252_BYTES.pop("", None)
_CONT = "[\x80-\xbf" + re.escape("".join(_CP1252_BYTES)) + "]"
_MOJIBAKE_RE = re.compile(f"[\xc2-\xdf]{_CONT}|[\xe0-\xef]{_CONT}{{2}}|[\xf0-\xf4]{_CONT}{{3}}")
_CREATOR_MARK_RE = re.compile(r"[(),]|\s+and\s+")
_NON_WORD_RE = re.compile(r"[\W_]+")
_DOI_PREFIX_RE = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)


def clean_text(value: str | None) -> str | None:
    """Feed text as plain text: entities decoded once, TeX outside math decoded, spaces folded."""
    if value is None:
        return None
    if not value.isascii():
        value = _MOJIBAKE_RE.sub(_redecode_utf8, value)
    if "&" in value:
        value = _ENTITY_RE.sub(lambda m: html.unescape(m.group()), value)
    value = " ".join(value.split())
    if _needs_tex(value):
        value = " ".join(_decode_outside_math(value).split())
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    return value or None


def _needs_tex(value: str) -> bool:
    """Whether `value` holds any of `\\ { } $`, a doubled quote or `--`: one-character `in`
    tests are memchr scans, several times faster than a regex over a 1,100-character abstract
    (what the 1M-paper bulk import spends most of its time on)."""
    return (
        "\\" in value
        or "{" in value
        or "}" in value
        or "$" in value
        or ("-" in value and "--" in value)
        or ("`" in value and "``" in value)
        or ("'" in value and "''" in value)
    )


def _redecode_utf8(match: re.Match[str]) -> str:
    """Undo one round of UTF-8 bytes decoded as Latin-1/cp1252, if they form valid UTF-8."""
    raw = bytes(_CP1252_BYTES.get(char, ord(char)) for char in match.group())
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return match.group()


def _decode_outside_math(value: str) -> str:
    """Decode TeX in the text between math spans; math stays the source the renderer needs."""
    parts: list[str] = []
    text_start = search_from = 0
    unclosed: set[str] = set()
    while opener := _MATH_OPEN_RE.search(value, search_from):
        end = _math_end(value, opener, unclosed)
        if end is None:  # an unclosed "$$" may still hold an inline "$...$" from its second "$"
            search_from = opener.start() + 1 if opener.group() == "$$" else opener.end()
            continue
        parts.append(_decode_tex(value[text_start : opener.start()]))
        parts.append(value[opener.start() : end])
        text_start = search_from = end
    parts.append(_decode_tex(value[text_start:]))
    return "".join(parts)


def _math_end(value: str, opener: re.Match[str], unclosed: set[str]) -> int | None:
    """Where the math span opened by `opener` ends, or None (escape, or no closer anywhere)."""
    token = opener.group()
    if token in ("\\\\", "\\$"):
        return None
    closer = _CLOSERS.get(token) or (f"\\end{{{opener.group(1)}}}" if opener.group(1) else "$")
    if closer in unclosed:
        return None
    if closer == "$":
        body = _INLINE_BODY_RE.match(value, opener.end())
        found = body.end() if body else -1
    else:
        found = value.find(closer, opener.end() + (token == "$$"))
        found = found + len(closer) if found >= 0 else -1
    if found < 0:
        unclosed.add(closer)
        return None
    return found


def _decode_tex(text: str) -> str:
    """Accents, special letters, escapes, quotes and dashes; unknown commands kept verbatim."""
    return _TEXT_RE.sub(_replace_token, text) if text else text


def _replace_token(match: re.Match[str]) -> str:
    token = match.group()
    if match.group("acc") is not None:
        return _compose(match)
    if match.group("letter") is not None:
        return _letter(match)
    if match.group("cmd") is not None:
        return _command(match)
    if match.group("esc") is not None:
        return _ESCAPES[match.group("esc")]
    if match.group("group") is not None:
        return _group(match.group("group"))
    if match.group("quote") is not None:
        return "“" if token == "``" else "”"
    if match.group("dash") is not None:
        return _dash(match)
    return token


def _command(match: re.Match[str]) -> str:
    """Symbols become characters, formatting gives up its argument, the rest (\\href) stays.

    Inside kept arguments only accents are decoded: "\\href{...}{Schr\\"odinger}" reads right.
    """
    name, args = match.group("name"), match.group("args")
    if not args and name in _SYMBOLS:  # "\beta-CuGaO2" typed without math delimiters
        return _SYMBOLS[name]
    single = _SINGLE_ARG_RE.fullmatch(args)
    if single and name in _FORMAT_COMMANDS:
        return _decode_tex(single.group(1))
    return _ACCENTS_ONLY_RE.sub(_replace_accent_only, match.group())


def _group(body: str) -> str:
    """A brace group outside math: capital protection ("{BERT}"), a font switch or a symbol."""
    if (switch := _FONT_SWITCH_RE.match(body)) is not None:
        body = switch.group("rest")
    elif (symbol := _SYMBOL_GROUP_RE.fullmatch(body)) and symbol.group("name") in _SYMBOLS:
        return _SYMBOLS[symbol.group("name")]
    inner = _decode_tex(body)
    # Anything still TeX after decoding keeps its braces, so the group means what it meant.
    return "{" + inner + "}" if "\\" in inner else inner


def _compose(match: re.Match[str]) -> str:
    """An accent command as one precomposed character where Unicode has one."""
    base = match.group("barg") or match.group("arg")
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + _MARKS[match.group("mark")])


def _letter(match: re.Match[str]) -> str:
    """A special letter; TeX eats the space after it mid-word ("Bj\\o rn"), not after a number."""
    letter = _LETTERS[match.group("let")]
    if match.group("tail") == " ":
        before = match.string[max(match.start() - 2, 0) : match.start()].rstrip()
        if before[-1:].isdigit():  # "6200\AA is" means "6200Å is"
            return letter + " "
    return letter


def _replace_accent_only(match: re.Match[str]) -> str:
    return _compose(match) if match.group("mark") else _LETTERS[match.group("let")]


def _dash(match: re.Match[str]) -> str:
    """`--`/`---` become en/em dashes only between words or between spaces (not "--flag")."""
    token, text = match.group(), match.string
    before = text[match.start() - 1 : match.start()]
    after = text[match.end() : match.end() + 1]
    if len(token) > 3 or not before or not after:
        return token
    if (before.isalnum() and after.isalnum()) or (before.isspace() and after.isspace()):
        return "–" if len(token) == 2 else "—"
    return token


def author_match_key(name: str) -> str:
    """A whole-name key that folds case, accents, punctuation and spacing, so one person matches."""
    folded = (clean_text(name) or "").casefold()
    folded = unicodedata.normalize("NFKD", folded)
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    folded = folded.translate(_FOLD)
    return " ".join(_NON_WORD_RE.sub(" ", folded).split())


def split_arxiv_creators(creator: str) -> list[AuthorRecord]:
    """arXiv's one-string dc:creator as authors: `Name (aff, aff), Name`, never split inside ()."""
    pieces = _split_top_level(creator)
    authors: list[AuthorRecord] = []
    for piece in pieces:
        name, affiliation = _name_and_affiliation(piece)
        name = clean_text(name)
        if name:
            authors.append(AuthorRecord(name=name, affiliation=clean_text(affiliation)))
    return authors


def _split_top_level(creator: str) -> list[str]:
    """Split at commas and at " and " outside parentheses; unbalanced parentheses are ignored."""
    balanced = creator.count("(") == creator.count(")")
    pieces: list[str] = []
    depth, start = 0, 0
    for match in _CREATOR_MARK_RE.finditer(creator):
        mark = match.group()
        if mark in "()":
            if balanced:
                depth = depth + 1 if mark == "(" else max(depth - 1, 0)
        elif depth == 0:
            pieces.append(creator[start : match.start()])
            start = match.end()
    pieces.append(creator[start:])
    return pieces


def _name_and_affiliation(piece: str) -> tuple[str, str | None]:
    """`Name (aff1, aff2)` as ("Name", "aff1, aff2"); the trailing group is the affiliation."""
    piece = piece.strip()
    if not piece.endswith(")"):
        return piece, None
    depth = 0
    for index in range(len(piece) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(piece[index], 0)
        if depth == 0:
            name = piece[:index].strip()
            return (name, piece[index + 1 : -1].strip() or None) if name else (piece, None)
    return piece, None


def normalise_doi(value: str | None) -> str | None:
    """A bare lowercase DOI ("10.x/y") from a DOI field, URL or `doi:` string; None if not a DOI."""
    if not value or not value.split():
        return None
    return _doi_token(value.split()[0])


def normalise_dois(value: str | None) -> list[str]:
    """Every DOI of a field that lists several, space-separated (arXiv's DOI field), in order."""
    dois = (_doi_token(token) for token in (value or "").split())
    return list(dict.fromkeys(doi for doi in dois if doi))


def _doi_token(token: str) -> str | None:
    stripped = _DOI_PREFIX_RE.sub("", token)
    if stripped != token and "%" in stripped:
        stripped = unquote(stripped)
    doi = stripped.rstrip(".,;").lower()
    return doi if doi.startswith("10.") and "/" in doi else None
