"""Paper cards as HTML: each paper's card is rendered once into a fragment; pages fill it in.

Rendering a card (math to MathML, links in abstracts, folding, the template) depends only on the
paper, and costs more than everything else a page does. What depends on the page is left in the
fragment as markers: the card's number, the links that add an author or category chip to the
current view (and the mark on an author already chosen), and the first line, whose announce type
is the day's (app.web.render.card_meta_html). `assemble` fills them in with string replacement.

Fragments are stored in `card_fragments` by the worker (app.web.card_store); a paper without a
current one is rendered here, on the request, and kept in a small per-process cache.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from urllib.parse import quote_plus, unquote_plus

from markupsafe import Markup, escape

from app import __version__
from app.schemas import PaperItem
from app.web.links import CardLinks
from app.web.render import card_meta_html, tldr_html
from app.web.templating import TEMPLATE_DIR, TEMPLATES
from app.web.views import make_card

NUMBER = "\x05"
META = "\x06"
TLDR = "\x07"
AUTHOR_OPEN, AUTHOR_CLOSE = "\x01", "\x02"
CATEGORY_OPEN, CATEGORY_CLOSE = "\x03", "\x04"
CARD_TEMPLATE = "_partials/card.html"
WEB_DIR = Path(__file__).parent
RENDERING_MODULES = ("cards.py", "links.py", "render.py", "tex.py", "views.py")

AUTHOR_LINK = re.compile(
    '<a class="author-link" href="' + AUTHOR_OPEN + "([^" + AUTHOR_CLOSE + "]*)" + AUTHOR_CLOSE
)
CATEGORY_HREF = re.compile(CATEGORY_OPEN + "([^" + CATEGORY_CLOSE + "]*)" + CATEGORY_CLOSE)


def _format() -> str:
    # A new app version, or any change to the card template or the code that renders cards,
    # makes every stored fragment stale.
    digest = hashlib.sha256(__version__.encode())
    digest.update((TEMPLATE_DIR / CARD_TEMPLATE).read_bytes())
    for name in RENDERING_MODULES:
        digest.update((WEB_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


FORMAT = _format()


class _Markers:
    """The LinkMaker of a fragment: links become markers around the quoted name."""

    def author(self, name: str) -> str:
        return AUTHOR_OPEN + quote_plus(name) + AUTHOR_CLOSE

    def category(self, code: str) -> str:
        return CATEGORY_OPEN + quote_plus(code) + CATEGORY_CLOSE

    def is_active_author(self, name: str) -> bool:
        return False


MARKERS = _Markers()


MARKER_CHARACTERS = dict.fromkeys(map(ord, NUMBER + META + TLDR + AUTHOR_OPEN + AUTHOR_CLOSE), None)
MARKER_CHARACTERS |= dict.fromkeys(map(ord, CATEGORY_OPEN + CATEGORY_CLOSE), None)


def render_fragment(item: PaperItem) -> str:
    """`item`'s card with markers where each page's own parts go."""
    card = make_card(_without_markers(item), NUMBER, MARKERS)
    card = replace(card, meta_html=Markup(META), tldr_html=Markup(TLDR))
    return TEMPLATES.get_template(CARD_TEMPLATE).render(card=card)


def _without_markers(item: PaperItem) -> PaperItem:
    # Feed text may hold any character; the markers (C0 controls, meaningless in HTML) are ours.
    changed = {}
    for name, value in item:
        if isinstance(value, str) and value != value.translate(MARKER_CHARACTERS):
            changed[name] = value.translate(MARKER_CHARACTERS)
        elif isinstance(value, list) and any(isinstance(v, str) for v in value):
            changed[name] = [v.translate(MARKER_CHARACTERS) for v in value]
    return item.model_copy(update=changed) if changed else item


@dataclass(frozen=True)
class CardLine:
    """What a page knows of a card besides its fragment: the first line's parts."""

    paper_id: int
    source_label: str | None
    published: date | None
    announce_type: str | None
    version: int | None


def assemble(
    fragment: str, number: int, line: CardLine, links: CardLinks, tldr: str | None = None
) -> Markup:
    """The fragment filled in for card `number` of the view `links` stands for."""
    html = fragment
    if links.active_authors:
        html = AUTHOR_LINK.sub(lambda match: _author_link(match, links), html)
    if links.active_categories:
        html = CATEGORY_HREF.sub(lambda match: _category_href(match, links), html)
    number_text = f"{number:02d}"
    meta = card_meta_html(
        number_text + ".", line.source_label, line.published, line.announce_type, line.version
    )
    html = (
        html.replace(NUMBER, number_text)
        .replace(AUTHOR_OPEN, escape(links.author_prefix))
        .replace(AUTHOR_CLOSE, escape(links.suffix_after_author))
        .replace(CATEGORY_OPEN, escape(links.category_prefix))
        .replace(CATEGORY_CLOSE, escape(links.suffix_after_category))
    )
    # Last: the meta and TL;DR lines hold feed and model text.
    return Markup(html.replace(META, meta).replace(TLDR, tldr_html(tldr)))


def _author_link(match: re.Match, links: CardLinks) -> str:
    if not links.is_active_author(unquote_plus(match.group(1))):
        return match.group(0)
    return f'<a class="author-link is-active" href="{escape(links.current_href)}'


def _category_href(match: re.Match, links: CardLinks) -> str:
    if unquote_plus(match.group(1)).casefold() not in links.active_categories:
        return match.group(0)
    return str(escape(links.current_href))
