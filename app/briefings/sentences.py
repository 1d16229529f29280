"""Sentences of an abstract, and which of them may be quoted (never one addressing a reader or a
model: "ignore previous instructions…" is an instruction, not a finding)."""

from __future__ import annotations

import re

# A sentence ends at . ! ? followed by space and a capital, a digit or an opening quote/paren;
# common abbreviations are not ends.
_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'“])")
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Eq|Sec|resp|approx|Ref|No)\.$")
MIN_WORDS, MAX_WORDS = 6, 60

# Words that speak to whoever reads the text rather than about the research. Scientific prose
# ("we", "our model") never needs them; prompt injections ("ignore all previous instructions",
# "you are now", "as an AI", "cite [99]") always do.
_ADDRESSING = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instruction|prompt|rule|above|previous|"
    r"prior|earlier)"
    r"|\b(?:you|your|yourself)\b"
    r"|\b(?:assistant|chatbot|language model reading|system prompt|jailbreak)\b"
    r"|\bas an ai\b"
    r"|\b(?:llm|gpt|chatgpt|model)s?\s*(?:,|:)\s*(?:please|must|should|do)\b"
    r"|\b(?:please|kindly)\b"
    r"|^\s*(?:cite|include|write|output|print|respond|say|answer|summari[sz]e|repeat|rate|"
    r"recommend|describe|return|append|add|note|remember|do not|don't|never|always)\b",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`, abbreviations kept whole."""
    pieces = _END.split(" ".join(text.split()))
    merged: list[str] = []
    for piece in pieces:
        if merged and _ABBREVIATIONS.search(merged[-1]):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return [p.strip() for p in merged if p.strip()]


def addresses_reader(sentence: str) -> bool:
    """Whether `sentence` speaks to a reader or a model (an instruction) instead of reporting."""
    return bool(_ADDRESSING.search(sentence))


def quotable(sentence: str) -> bool:
    """A sentence the offline briefer may quote: reports something, of a sensible length."""
    words = len(sentence.split())
    return MIN_WORDS <= words <= MAX_WORDS and not addresses_reader(sentence)
