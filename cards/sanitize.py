"""Card HTML made safe for Anki's web view, with nh3 (the ammonia sanitiser).

Decks get shared and Anki renders fields as HTML in a browser engine, so raw
HTML in the notes must not be able to run scripts, load frames or post forms.
An allow-list sanitiser parses the HTML like a browser does; regexes would
miss the cases that matter (``<img src=x onerror=…>``, ``jav&#x61;script:``).

Everything the renderer produces (tables, Pygments ``<span class>``, MathJax
text) is on the list, so sanitising well-formed cards changes nothing but
entity spelling.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from html import escape

import nh3

from cards.model import Card

ImageSource = Callable[[str], "str | None"]
"""Maps an ``<img src>`` as written in the notes to the src to keep (``None`` drops it)."""

_TEXT_TAGS = {
    "p", "br", "hr", "div", "span", "blockquote", "pre", "code", "kbd", "samp", "var",
    "h1", "h2", "h3", "h4", "h5", "h6",
    "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup",
    "abbr", "cite", "q", "dfn", "ruby", "rt", "rp", "wbr",
    "ul", "ol", "li", "dl", "dt", "dd",
    "details", "summary", "figure", "figcaption",
}  # fmt: skip
_TABLE_TAGS = {"table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td"}
ALLOWED_TAGS = frozenset(_TEXT_TAGS | _TABLE_TAGS | {"a", "img", "input"})
"""Every tag a card may contain; anything else is unwrapped (its text stays)."""

# Dropped together with their content: their text is code or a fallback, not notes.
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "noscript", "template", "object", "textarea", "select"}
)

_CELL = {"colspan", "rowspan", "align", "scope"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    # Class names only select our own CSS (Pygments, .math, .context, …); they cannot run code.
    "*": {"class", "title", "lang", "dir", "style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "th": _CELL,
    "td": _CELL,
    "col": {"span"},
    "colgroup": {"span"},
    "details": {"open"},
}
# A task-list checkbox is the only form control kept, and it is always disabled.
_ATTRIBUTE_VALUES = {
    "input": {"type": {"checkbox"}, "checked": {"", "checked"}, "disabled": {"", "disabled"}}
}
_FORCED_ATTRIBUTES = {"input": {"disabled": "disabled"}}
# Inline styles from tables (``text-align``) and pasted notes (colours); no
# positioning, so a card cannot overlay Anki's own interface.
_STYLE_PROPERTIES = {
    "text-align", "color", "background-color", "font-weight", "font-style", "text-decoration",
    "vertical-align",
}  # fmt: skip
URL_SCHEMES = frozenset({"http", "https", "mailto"})
"""Schemes a link or image may use; relative URLs (packed media) pass unchanged."""

MAX_HTML_DEPTH = 256
"""Deepest raw-HTML nesting sanitised; deeper fragments are shown as text.

An HTML parser checks the open elements at every block tag, so 100,000
nested ``<div>`` take html5ever (and browsers) minutes; Markdown itself
nests at most 20 deep (markdown-it's ``maxNesting``).
"""
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
# An element holding only text, closed by its own end tag, leaves the depth as it was.
_LEAF = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)\b[^<>]*>[^<]*</\1\s*>", re.IGNORECASE)
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    # Each of these closes an open one of its kind, so repeating them does not nest.
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt", "rp",
})  # fmt: skip


def clean_html(html: str, *, image_src: ImageSource | None = None) -> str:
    """Return ``html`` with everything not on the allow-list removed.

    Scripts, styles and frames go with their content; other unknown tags are
    unwrapped; event handlers, ``javascript:``/``file:``/``data:`` URLs and
    form controls (bar a disabled task-list checkbox) are dropped. Text,
    including MathJax ``\\(…\\)``/``\\[…\\]`` and escaped ``<``/``&``, is kept.

    ``image_src``, when given, decides each relative or ``http(s)`` image
    source: the exporter uses it to point images at packed media files.
    HTML nested deeper than :data:`MAX_HTML_DEPTH` comes back escaped, as text.
    """
    if not html:
        return html
    if too_deep(html):
        return escape(html, quote=False)
    if image_src is None:
        return _cleaner().clean(html)
    if image_src is drop_image:
        return _dropping_cleaner().clean(html)
    return _cleaner_with(image_src).clean(html)


def drop_image(src: str) -> None:
    """The image source of a card without images: drops any ``src`` (one shared cleaner, fast)."""
    return None


def too_deep(html: str) -> bool:
    """True if ``html`` may nest elements deeper than :data:`MAX_HTML_DEPTH`.

    Linear and conservative: it follows start and end tags like a parser's
    stack (stray end tags close nothing, as in a browser) but ignores what
    closes elements implicitly, and skips elements that close their own
    kind (``<li>``, ``<p>``…), so it never calls HTML shallow that is more
    than twice as deep as the limit.
    """
    if html.count("<") <= MAX_HTML_DEPTH:
        return False
    html = _LEAF.sub("", html)  # fast in C; highlighted code is mostly such leaves
    if html.count("<") <= MAX_HTML_DEPTH:
        return False
    stack: list[str] = []
    for match in _TAG.finditer(html):
        name = match.group(2).lower()
        if not match.group(1):
            if name not in _VOID:
                stack.append(name)
                if len(stack) > MAX_HTML_DEPTH:
                    return True
        elif name in stack:
            del stack[len(stack) - 1 - stack[::-1].index(name) :]
    return False


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    return _make_cleaner(None)


@lru_cache(maxsize=1)
def _dropping_cleaner() -> nh3.Cleaner:
    return _cleaner_with(drop_image)


def _cleaner_with(image_src: ImageSource) -> nh3.Cleaner:
    def attribute_filter(element: str, attribute: str, value: str) -> str | None:
        if element == "img" and attribute == "src":
            return image_src(value)
        return value

    return _make_cleaner(attribute_filter)


def _make_cleaner(attribute_filter: Callable[[str, str, str], str | None] | None) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        clean_content_tags=_DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=attribute_filter,
        tag_attribute_values=_ATTRIBUTE_VALUES,
        set_tag_attribute_values=_FORCED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        filter_style_properties=_STYLE_PROPERTIES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def clean_card(card: Card, *, image_src: ImageSource | None = None) -> Card:
    """Return ``card`` with its question, context and answer sanitised."""
    question = clean_html(card.question, image_src=image_src)
    context = clean_html(card.context, image_src=image_src)
    answer = clean_html(card.answer, image_src=image_src)
    if (question, context, answer) == (card.question, card.context, card.answer):
        return card  # the common case; a copy would cost a tenth of a build's sanitising
    return replace(card, question=question, context=context, answer=answer)
