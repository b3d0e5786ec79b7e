"""Rendering details the cards rely on: code languages, media, math edge cases."""

from __future__ import annotations

import pytest

from cards.render import looks_like_python, render_markdown


@pytest.mark.parametrize(
    ("code", "python"),
    [
        ("model = Sequential()\nmodel.add(Dense(5))\n", True),
        # exam snippets with a stray typo are still Python
        ("from keras.layers import Dense, Conv2D,\nmodel.add(Conv2D(64, (11,11))) 42x42\nx = 1\n", True),
        ("input (InputLayer) (None, 128, 256, 3) 0\n=====\nconv1 (Conv2D) (None, 64) 1216\n", False),
        ("+---cursor-parking-lot---+\n|kiss from Boracchi |\n", False),
        ("", False),
    ],
)
def test_unlabelled_code_is_python_only_when_it_looks_like_python(code: str, python: bool) -> None:
    assert looks_like_python(code) is python


def test_unlabelled_python_is_highlighted_and_other_code_is_not() -> None:
    python = render_markdown("```\nimport keras\nx = keras.Input()\n```\n")
    table = render_markdown("```\n=====\ninput (InputLayer) 0\n```\n")
    assert '<span class="kn">import</span>' in python
    assert '<span class="' not in table


def test_images_are_recorded_relative_and_decoded() -> None:
    from cards.render import markdown_parser, render_tokens

    env: dict[str, object] = {}
    html = render_tokens(markdown_parser().parse("![a](<img/net 1.png>) ![b](http://x.org/b.png)\n"), env)
    assert env["media"] == ["img/net 1.png"]
    assert '<img src="img/net 1.png" alt="a">' in html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("$a_i * b_i$ and $c_j * d_j$", r"<p>\(a_i * b_i\) and \(c_j * d_j\)</p>"),
        ("inline $$x^2$$ here", r"<p>inline \[x^2\] here</p>"),
        ("$5 and $10", "<p>$5 and $10</p>"),
        ("the $PATH variable", "<p>the $PATH variable</p>"),
        (r"escaped \$x\$", "<p>escaped $x$</p>"),
        ("`$x$` stays", "<p><code>$x$</code> stays</p>"),
        ("set $PATH or `$x$`", "<p>set $PATH or <code>$x$</code></p>"),
        (r"$a \\ b$", r"<p>\(a \\ b\)</p>"),
        ("$x < y$", r"<p>\(x &lt; y\)</p>"),
        ("Question?  \n(1 punto)", "<p>Question?</p>"),
    ],
)
def test_math_and_dollars(source: str, html: str) -> None:
    assert render_markdown(source) == html


def test_obsidian_wiki_links_show_the_words_they_display() -> None:
    from cards.render import markdown_parser

    html = markdown_parser().render(
        '[[Gauss|Gauss process]], [[Web#Cookies|cookie]], [[BPMS]], [[]] "q" <b>\n'
    )
    assert html == "<p>Gauss process, cookie, BPMS, [[]] &quot;q&quot; <b></p>\n"
