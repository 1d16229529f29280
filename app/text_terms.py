"""Terms of a paper for TF-IDF: words and two-word phrases, lightly stemmed, with a display form.

Shared by the offline briefer (themes, connections) and the radar's text model (app.radar), so
both read a paper the same way. Pure Python on purpose: a day's papers are a few thousand short
texts, and the whole offline briefing stays well under a second per thousand papers without numpy
(bench/briefings.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_MATH = re.compile(r"\$[^$]*\$")
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:-[^\W_]+)*")
# A word, or a mark that ends a phrase (punctuation: one character, so never a term).
_WORD_OR_BREAK = re.compile(r"[^\W\d_][^\W_]*(?:-[^\W_]+)*|[.,;:!?()\[\]{}]")

# Function words, and words every abstract uses ("propose", "results"): no theme is named by them.
_STOPWORD_TEXT = """
a about above across after again against all almost along also although always am among an
and another any are around as at be because been before being below between both but by can
cannot could did do does doing done down during each either else enough even ever every few
for from further had has have having he her here hers herself him himself his how however i
if in into is it its itself just less many may might more most much must my neither no nor
not now of off often on once one only onto or other others otherwise our ours ourselves out
over own per rather same several she should since so some such than that the their theirs
them themselves then there therefore these they this those though three through thus to too
two under until up upon us very via was we were what when where whether which while who whom
whose why will with within without would yet you your yours first second new novel propose
proposed proposes present presents presented show shows shown paper papers work study
studies result results approach approaches method methods based using use used uses via well
also able obtain obtained provide provides provided introduce introduced introduces
demonstrate demonstrates existing recent recently significant significantly however
furthermore moreover respectively various different important key main large small high low
better best good find finds found given give gives make makes made allow allows et al e g i
e ie eg many several various terms term case cases paper's article letter here therein
thereby wide widely range order particular particularly general generally problem problems
task tasks data model models framework frameworks performance state-of-the-art art achieve
achieves achieved effective effectively efficient efficiently
"""
# Verbs and fillers of abstracts, in the forms the light stemmer leaves apart.
_FILLERS = """achieving achieve leveraging leverage enabling enable enables improving improve
improves improved towards toward using yield yields year years including include includes includ
according across related relate due able ability aim aims aimed whose via thereby"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split()) | frozenset(_FILLERS.split())


def stem(word: str) -> str:
    """Fold plurals so "networks" and "network" are one term; nothing more aggressive."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ics")):
        return word[:-1]
    return word


def words(text: str) -> list[str | None]:
    """Lower-case words of `text` outside TeX math; stop words become None (phrase breaks)."""
    found: list[str | None] = []
    for word in _WORD.findall(_MATH.sub(" ", text.lower())):
        if word in STOPWORDS or len(word) < 3 or word.replace("-", "").isdigit():
            found.append(None)
        else:
            found.append(word)
    return found


def count_terms(text: str, display: dict[str, Counter] | None = None) -> Counter:
    """Term counts of `text` (words and adjacent-word phrases); with `display`, records surface
    forms there so a term can be shown as papers write it ("bias", not the stem "bia")."""
    if display is None:
        return Counter(term_counts(text))
    counts: Counter = Counter()
    previous: str | None = None
    previous_surface = ""
    for surface in words(text):
        if surface is None:
            previous = None
            continue
        term = stem(surface)
        counts[term] += 1
        display.setdefault(term, Counter())[surface] += 1
        if previous is not None:
            phrase = f"{previous} {term}"
            counts[phrase] += 1
            display.setdefault(phrase, Counter())[f"{previous_surface} {surface}"] += 1
        previous, previous_surface = term, surface
    return counts


def term_counts(text: str) -> dict[str, int]:
    """Counts of the same terms as `count_terms`, without surface forms and about twice as fast
    (the radar reads every candidate paper of a day with it, app.radar.vectors). Unlike it, a
    phrase never spans punctuation ("…networks. Graphs…" gives no "network graph"), and a
    hyphenated word also counts its parts ("eeg-based" gives "eeg" too)."""
    counts: dict[str, int] = {}
    get = counts.get
    previous: str | None = None
    for word in _WORD_OR_BREAK.findall(_MATH.sub(" . ", text.lower())):
        if word in STOPWORDS or len(word) < 3 or word.replace("-", "").isdigit():
            previous = None
            continue
        term = _STEMS.get(word)
        if term is None:
            term = _remember_stem(word)
        counts[term] = get(term, 0) + 1
        if previous is not None:
            phrase = f"{previous} {term}"
            counts[phrase] = get(phrase, 0) + 1
        previous = term
        if "-" in word:  # "eeg-based" also says "eeg": papers write compounds many ways
            for part in word.split("-"):
                if part not in STOPWORDS and len(part) >= 3 and not part.isdigit():
                    part = stem(part)
                    counts[part] = get(part, 0) + 1
    return counts


_STEMS: dict[str, str] = {}
_STEM_CACHE_LIMIT = 200_000  # distinct words remembered (a few MB); past it, stems are recomputed


def _remember_stem(word: str) -> str:
    term = stem(word)
    if len(_STEMS) < _STEM_CACHE_LIMIT:
        _STEMS[word] = term
    return term


def display_form(term: str, display: dict[str, Counter]) -> str:
    """The most common surface form of `term` (ties: alphabetical), for theme names."""
    forms = display.get(term)
    if not forms:
        return term
    return min(forms.items(), key=lambda item: (-item[1], item[0]))[0]


def surface_forms(texts: Iterable[str]) -> dict[str, str]:
    """Per stem that `texts` never write as such, a word they do write ("bia" -> "bias"), so a
    term can be shown as a word; stems that are words themselves need no entry."""
    written: set[str] = set()
    forms: dict[str, str] = {}
    for text in texts:
        for word in _WORD.findall(_MATH.sub(" ", text.lower())):
            term = stem(word)
            if term == word:
                written.add(word)
            else:
                forms.setdefault(term, word)
    return {term: word for term, word in forms.items() if term not in written}


def readable_term(term: str, forms: dict[str, str]) -> str:
    """`term` (a stem or a two-stem phrase) in written words, using `surface_forms`."""
    return " ".join(forms.get(part, part) for part in term.split(" "))
