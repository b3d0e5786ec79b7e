"""Markdown → Anki-ready HTML: one configured markdown-it parser and renderer.

Formulas become MathJax delimiters Anki typesets on desktop and phones
(``\\(…\\)`` and ``\\[…\\]``, shared/ANKI_FACTS.md fact 12); code blocks are
highlighted by Pygments with CSS classes whose styles ship with the note type.
Images keep their path relative to the notes file and are recorded in the
render ``env`` (``env["media"]``) so the exporter can pack them; nothing here
touches the file system.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import MutableMapping, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

CODE_CSS_CLASS = "highlight"
"""Class of the ``<div>`` around highlighted code; the note type's CSS styles it."""

POINT_VALUE = re.compile(
    r"^\(\s*\d+(?:[.,]\d+)?\s*(?:punt[oi]|points?|pts?\.?|marks?|pt\.?|punkte?)\s*\)$", re.IGNORECASE
)
"""An exam's point value such as ``(1 punto)`` or ``(30 Points)``: never card content."""

_PYTHON_LINE = re.compile(
    r"^\s*(?:#|@\w|import\s|from\s+[\w.]+\s+import\b|def\s|class\s|return\b|if\s|elif\s|else\s*:|"
    r"for\s|while\s|with\s|try\s*:|except\b|raise\b|print\(|[A-Za-z_][\w.]*\s*(?:=|\+=|-=|\*=)\s*\S|"
    r"[A-Za-z_][\w.]*\(.*)"
)
_URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^/|^#")
_AST_LIMIT = 200_000  # bytes; beyond this the line heuristic alone decides


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """Return the shared parser: CommonMark + tables + math + front matter + task lists."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.use(front_matter_plugin)
    # Pandoc's rule: no space just inside the dollars and no digit right after the
    # closing one, so "$5 and $10" and "in $PATH" stay text.
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    md.use(tasklists_plugin)
    md.inline.ruler.before("math_inline", "dollar_before_code", _dollar_before_code)
    md.core.ruler.push("notedeck_inline_cleanup", _inline_cleanup)
    md.add_render_rule("math_inline", _render_math_inline)
    md.add_render_rule("math_inline_double", _render_math_block)
    md.add_render_rule("math_block", _render_math_block)
    md.add_render_rule("math_block_label", _render_math_block)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_fence)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("text", _render_text)
    return md


def render_tokens(tokens: Sequence[Token], env: EnvType | None = None) -> str:
    """Render a slice of block tokens to HTML with the shared renderer.

    ``env`` collects the images met (``env["media"]``, a list of paths).
    """
    md = markdown_parser()
    rendered: str = md.renderer.render(list(tokens), md.options, {} if env is None else env)
    return rendered.strip()


def render_inline(children: Sequence[Token], env: EnvType | None = None) -> str:
    """Render the children of an ``inline`` token (a heading's or paragraph's text)."""
    md = markdown_parser()
    renderer: Any = md.renderer  # RendererHTML; the protocol type lacks renderInline
    rendered: str = renderer.renderInline(list(children), md.options, {} if env is None else env)
    return rendered.strip()


def render_markdown(text: str) -> str:
    """Render a Markdown snippet to HTML (used by generators and tests)."""
    md = markdown_parser()
    return render_tokens(md.parse(text))


def looks_like_python(code: str) -> bool:
    """Guess whether an unlabelled code block is Python (notes often omit the label).

    Code that compiles is Python; so is code whose lines mostly read like Python
    statements, because students' exam snippets often carry a stray typo.
    """
    if len(code) <= _AST_LIMIT:
        try:
            ast.parse(code)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            pass
        else:
            return any(line.strip() for line in code.splitlines())
    lines = [line for line in code.splitlines() if line.strip()]
    if not lines:
        return False
    pythonic = sum(1 for line in lines if _PYTHON_LINE.match(line))
    return pythonic * 5 >= len(lines) * 3


def highlight_code(code: str, language: str) -> str:
    """Return ``code`` highlighted by Pygments as HTML with CSS classes.

    Notes repeat code (the model of an exercise, a snippet quoted again in a
    later answer), and highlighting is the slowest step of rendering a card, so
    short blocks are remembered.
    """
    if len(code) <= _REMEMBERED_CODE:
        return _highlighted(code, language)
    return _highlight(code, language)


_REMEMBERED_CODE = 20_000
"""Longest code (characters) whose highlighting is remembered; 256 of them at most."""


@lru_cache(maxsize=256)
def _highlighted(code: str, language: str) -> str:
    return _highlight(code, language)


def _highlight(code: str, language: str) -> str:
    from pygments import highlight

    return str(highlight(code, _lexer(language or "text"), _formatter())).strip()


@lru_cache(maxsize=64)
def _lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return get_lexer_by_name("text")


@lru_cache(maxsize=1)
def _formatter() -> Any:
    """One formatter for every block: building one builds its whole stylesheet."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(cssclass=CODE_CSS_CLASS, nowrap=False)


def code_css() -> str:
    """CSS for highlighted code (light, and dark under Anki's night mode)."""
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="default").get_style_defs(f".{CODE_CSS_CLASS}")  # type: ignore[no-untyped-call]
    dark = HtmlFormatter(style="monokai").get_style_defs(  # type: ignore[no-untyped-call]
        f".nightMode .{CODE_CSS_CLASS}"
    )
    return f"{light}\n{dark}"


def _dollar_before_code(state: StateInline, silent: bool) -> bool:
    """A ``$`` whose would-be formula runs into a code span is a plain dollar.

    Code spans win over math, as a reader expects: in ``set $PATH or `$x$```
    the backticks hold code, not the end of a formula.
    """
    src, pos = state.src, state.pos
    if src[pos] != "$" or src.startswith("$$", pos):
        return False
    end = src.find("$", pos + 1)
    while end != -1 and src[end - 1] == "\\":
        end = src.find("$", end + 1)
    if end == -1 or "`" not in src[pos:end]:
        return False
    if not silent:
        state.pending += "$"
    state.pos += 1
    return True


def _inline_cleanup(state: StateCore) -> None:
    """Drop trailing point values and keep tab-separated tables on separate lines.

    ``Question?  \\n(1 punto)`` loses its ``(1 punto)`` line; a paragraph whose
    lines are tab-separated columns (pasted from an exam PDF) keeps one row per
    line instead of running together.
    """
    for token in state.tokens:
        children = token.children
        if token.type != "inline" or not children:
            continue
        last = children[-1]
        if last.type == "text" and POINT_VALUE.match(last.content.strip()):
            cut = len(children) - 1
            if cut > 0 and children[cut - 1].type in ("softbreak", "hardbreak"):
                cut -= 1
            if cut > 0:
                del children[cut:]
        if "\t" in token.content:
            for child in children:
                if child.type == "softbreak":
                    child.type = "hardbreak"
                    child.tag = "br"


_WIKILINK = re.compile(r"\[\[([^\[\]|#]+)?(?:#([^\[\]|]+))?(?:\|([^\[\]]+))?\]\]")
"""Obsidian's ``[[page]]``, ``[[page#heading]]`` and ``[[page|shown text]]`` links."""


def _render_text(self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """Text, with Obsidian wiki links shown as the words they display (Anki cannot follow them)."""
    content = tokens[idx].content
    if "[[" in content:
        content = _WIKILINK.sub(_wikilink_words, content)
    return escapeHtml(content)  # markdown-it's own escaping: the bytes of every other card stay as they were


def _wikilink_words(match: re.Match[str]) -> str:
    page, heading, shown = match.groups()
    return (shown or heading or page or match.group(0)).strip()


def _render_math_inline(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "\\(" + html.escape(tokens[idx].content, quote=False) + "\\)"


def _render_math_block(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    content = html.escape(tokens[idx].content.strip(), quote=False)
    inline = tokens[idx].type == "math_inline_double"
    return f"\\[{content}\\]" if inline else f'<div class="math">\\[{content}\\]</div>\n'


def _render_fence(self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    info = token.info.strip()
    language = info.split(maxsplit=1)[0] if info else ""
    if not language:
        language = "python" if looks_like_python(token.content) else "text"
    return highlight_code(token.content, language) + "\n"


def _render_image(self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    src = unquote(str(token.attrGet("src") or ""))
    alt = "".join(child.content for child in token.children or ())
    if src and not _URL_SCHEME.match(src) and isinstance(env, MutableMapping):
        env.setdefault("media", []).append(src)
    title = token.attrGet("title")
    title_attr = f' title="{html.escape(str(title))}"' if title else ""
    return f'<img src="{html.escape(src)}" alt="{html.escape(alt)}"{title_attr}>'
