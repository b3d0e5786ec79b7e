"""Markdown → Anki-ready HTML: one configured markdown-it parser and renderer.

Formulas become MathJax delimiters Anki typesets on desktop and phones
(``\\(…\\)`` and ``\\[…\\]``, shared/ANKI_FACTS.md fact 12); code blocks are
highlighted by Pygments with CSS classes whose styles ship with the note type.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

CODE_CSS_CLASS = "highlight"
"""Class of the ``<div>`` around highlighted code; the note type's CSS styles it."""


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """Return the shared parser: CommonMark + tables + math + front matter + task lists."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.use(front_matter_plugin)
    md.use(dollarmath_plugin, allow_space=True, allow_digits=False, double_inline=True)
    md.use(tasklists_plugin)
    md.add_render_rule("math_inline", _render_math_inline)
    md.add_render_rule("math_inline_double", _render_math_block)
    md.add_render_rule("math_block", _render_math_block)
    md.add_render_rule("math_block_label", _render_math_block)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_fence)
    return md


def render_tokens(tokens: Sequence[Token]) -> str:
    """Render a slice of block tokens to HTML with the shared renderer."""
    md = markdown_parser()
    rendered: str = md.renderer.render(list(tokens), md.options, {})
    return rendered.strip()


def render_markdown(text: str) -> str:
    """Render a Markdown snippet to HTML (used by generators and tests)."""
    md = markdown_parser()
    return render_tokens(md.parse(text))


def highlight_code(code: str, language: str) -> str:
    """Return ``code`` highlighted by Pygments as HTML with CSS classes."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language or "text")
    except ClassNotFound:
        lexer = get_lexer_by_name("text")
    formatter = HtmlFormatter(cssclass=CODE_CSS_CLASS, nowrap=False)
    return str(highlight(code, lexer, formatter)).strip()


def code_css() -> str:
    """CSS for highlighted code (light, and dark under Anki's night mode)."""
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="default").get_style_defs(f".{CODE_CSS_CLASS}")  # type: ignore[no-untyped-call]
    dark = HtmlFormatter(style="monokai").get_style_defs(  # type: ignore[no-untyped-call]
        f".nightMode .{CODE_CSS_CLASS}"
    )
    return f"{light}\n{dark}"


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
    language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    return highlight_code(token.content, language or "python") + "\n"
