"""Receptive fields checked against brute force: which input pixels each unit really depends on.

The oracle below follows Keras' index arithmetic on a long 1-D signal with
plain sets (TensorFlow's padding: 'same' puts the smaller half of the padding
on the left; a transposed convolution is the gradient of the forward one), and
measures the field of units far from the borders. Every op is separable, so a
2-D model's field per axis is the 1-D field of the same stack.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from cards.generators.keras.extract import ModelReport, analyse_code

Sees = list[frozenset[int]]
N = 1024


def conv(sees: Sees, k: int, s: int = 1, d: int = 1, padding: str = "valid") -> Sees:
    n, k_eff = len(sees), d * (k - 1) + 1
    if padding == "valid":
        out, left = (n - k_eff) // s + 1, 0
    else:
        out = -(-n // s)
        left = max((out - 1) * s + k_eff - n, 0) // 2
    return [
        frozenset().union(*(sees[i] for t in range(k) if 0 <= (i := o * s - left + t * d) < n))
        for o in range(out)
    ]


def transposed(sees: Sees, k: int, s: int, padding: str = "valid") -> Sees:
    n = len(sees)
    out = n * s if padding == "same" else n * s + max(k - s, 0)
    left = max(k - s, 0) // 2 if padding == "same" else 0
    result: list[set[int]] = [set() for _ in range(out)]
    for i in range(n):
        for t in range(k):
            o = i * s - left + t
            if 0 <= o < out:
                result[o] |= sees[i]
    return [frozenset(r) for r in result]


def upsample(sees: Sees, f: int) -> Sees:
    return [sees[o // f] for o in range(len(sees) * f)]


def concat(a: Sees, b: Sees) -> Sees:
    return [x | y for x, y in zip(a, b, strict=True)]


def field(sees: Sees) -> int:
    """The largest field among units in the middle half (their fields stay clear of the borders)."""
    n = len(sees)
    return max(max(s) - min(s) + 1 for s in sees[n // 4 : 3 * n // 4] if s)


def start() -> Sees:
    return [frozenset({i}) for i in range(N)]


def model_of(code: str) -> ModelReport:
    (unit,) = analyse_code(textwrap.dedent(code))
    assert unit.accepted, unit.problems
    (model,) = unit.models
    return model


def rf(model: ModelReport, name: str) -> Fraction:
    layer = next(layer for layer in model.layers if layer.name == name)
    assert layer.rf is not None
    return layer.rf[0][0]


def test_kernel_2_stride_2_transposed_conv_does_not_grow_the_field() -> None:
    model = model_of(
        """
        x = Input((64, 64, 1))
        y = Conv2D(1, 3, padding="same", name="c")(x)
        z = Conv2DTranspose(1, 2, strides=2, padding="same", name="t")(y)
        """
    )
    # Each output unit receives exactly one input unit: ⌈2/2⌉ = 1, so r stays 3 (not 3 + (2 − 1)·½).
    assert rf(model, "t") == 3 == field(transposed(conv(start(), 3, padding="same"), 2, 2, "same"))


def test_kernel_3_stride_2_transposed_conv_reaches_two_input_units() -> None:
    model = model_of(
        "x = Input((16, 16, 4))\nt = Conv2DTranspose(4, 3, strides=2, padding='same', name='t')(x)\n"
    )
    # Even outputs receive inputs o/2 − 1 and o/2 (⌈3/2⌉ = 2 units), odd ones one: r = 1 + (2 − 1)·1 = 2.
    assert rf(model, "t") == 2 == field(transposed(start(), 3, 2, "same"))


def test_two_transposed_convs_in_a_row_are_counted_unit_by_unit() -> None:
    # The first user's encoder-decoder ends like this: r 12 → 16 → 16, not 16 → 18 as a jump model says.
    model = model_of(
        """
        x = Input((128, 256, 3))
        a = Conv2D(4, 5, padding="same")(x)
        a = MaxPooling2D()(a)
        a = Conv2D(4, 3, padding="same")(a)
        a = MaxPooling2D()(a)
        t1 = Conv2DTranspose(4, 3, strides=2, padding="same", name="t1")(a)
        t2 = Conv2DTranspose(4, 3, strides=2, padding="same", name="t2")(t1)
        """
    )
    sees = conv(start(), 5, padding="same")
    sees = conv(conv(conv(sees, 2, 2), 3, padding="same"), 2, 2)
    assert field(sees) == 12
    t1 = transposed(sees, 3, 2, "same")
    t2 = transposed(t1, 3, 2, "same")
    assert (rf(model, "t1"), rf(model, "t2")) == (16, 16) == (field(t1), field(t2))


def test_unet_receptive_field_matches_brute_force() -> None:
    # A four-level U-Net after public segmentation tutorials: 3×3 convs, 2×2 pools, k=2 s=2 up-convs.
    lines = ["inputs = Input((256, 256, 1))", "x = inputs"]
    sees, skips, oracle = start(), [], {}
    for level in range(4):
        lines += [
            "x = Conv2D(8, 3, padding='same')(x)",
            f"x = Conv2D(8, 3, padding='same', name='d{level}')(x)",
        ]
        lines += [f"s{level} = x", "x = MaxPooling2D()(x)"]
        sees = conv(conv(sees, 3, padding="same"), 3, padding="same")
        skips.append(sees)
        sees = conv(sees, 2, 2)
    lines += ["x = Conv2D(8, 3, padding='same')(x)", "x = Conv2D(8, 3, padding='same')(x)"]
    sees = conv(conv(sees, 3, padding="same"), 3, padding="same")
    for level in reversed(range(4)):
        lines += [
            "x = Conv2DTranspose(8, 2, strides=2, padding='same')(x)",
            f"x = concatenate([x, s{level}])",
        ]
        lines += [
            "x = Conv2D(8, 3, padding='same')(x)",
            f"x = Conv2D(8, 3, padding='same', name='u{level}')(x)",
        ]
        sees = concat(transposed(sees, 2, 2, "same"), skips[level])
        sees = conv(conv(sees, 3, padding="same"), 3, padding="same")
        oracle[f"u{level}"] = field(sees)
    model = model_of("\n".join([*lines, "model = Model(inputs, x)"]) + "\n")
    assert {name: rf(model, name) for name in oracle} == oracle
    assert oracle["u0"] == 204  # a jump model (adding (k − 1)·j at every up-conv) says 215


def test_upsampling_then_an_even_kernel_is_exact() -> None:
    model = model_of(
        """
        x = Input((64, 64, 1))
        p = MaxPooling2D()(x)
        u = UpSampling2D()(p)
        c = Conv2D(1, 2, name="c")(u)
        """
    )
    # Jump ½ after upsampling; a 2-wide kernel sees either one or two pooled units: r = 2 or 4, not 2 + ½.
    sees = conv(upsample(conv(start(), 2, 2), 2), 2)
    assert rf(model, "c") == field(sees) == 4


_OPS = st.sampled_from(
    ["conv3", "conv2", "conv3s2", "conv5same", "pool", "up", "t2s2", "t3s2", "t4s2v", "dil"]
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_OPS, min_size=1, max_size=6))
def test_random_stacks_match_brute_force(ops: list[str]) -> None:
    table: dict[str, tuple[str, Callable[[Sees], Sees]]] = {
        "conv3": ("Conv2D(1, 3)", lambda s: conv(s, 3)),
        "conv2": ("Conv2D(1, 2, padding='same')", lambda s: conv(s, 2, padding="same")),
        "conv3s2": ("Conv2D(1, 3, strides=2, padding='same')", lambda s: conv(s, 3, 2, padding="same")),
        "conv5same": ("Conv2D(1, 5, padding='same')", lambda s: conv(s, 5, padding="same")),
        "pool": ("MaxPooling2D()", lambda s: conv(s, 2, 2)),
        "up": ("UpSampling2D()", lambda s: upsample(s, 2)),
        "t2s2": ("Conv2DTranspose(1, 2, strides=2, padding='same')", lambda s: transposed(s, 2, 2, "same")),
        "t3s2": ("Conv2DTranspose(1, 3, strides=2, padding='same')", lambda s: transposed(s, 3, 2, "same")),
        "t4s2v": ("Conv2DTranspose(1, 4, strides=2)", lambda s: transposed(s, 4, 2)),
        "dil": ("Conv2D(1, 3, dilation_rate=2, padding='same')", lambda s: conv(s, 3, d=2, padding="same")),
    }
    side = 64
    lines = [f"x = Input(({side}, {side}, 1))"]
    sees = [frozenset({i}) for i in range(side * 8)]
    for op in ops:
        code, step = table[op]
        lines.append(f"x = {code}(x)")
        sees = step(sees)
    (unit,) = analyse_code("\n".join(lines) + "\n")
    if not unit.accepted or not unit.models:
        return  # e.g. a valid conv larger than what is left: Keras refuses it too
    last = unit.models[0].layers[-1]
    assert last.rf is not None
    assert last.rf[0][0] == field(sees)


# ---------------------------------------------------------------- claims in the notes

_CLAIM_CODE = (
    "x = tfkl.Input((32, 32, 3))\n"
    "c1 = tfkl.Conv2D(8, 5, padding='same', name='conv1')(x)\n"
    "p1 = tfkl.MaxPooling2D(name='pool1')(c1)\n"
    "c2 = tfkl.Conv2D(8, 3, padding='same', name='conv2')(p1)  # RF = {comment}\n"
)
# conv1: r = 5; pool1: r = 5 + (2 − 1)·1 = 6, j = 2; conv2: r = 6 + (3 − 1)·2 = 10.


def claim_warnings(after: str, comment: str = "10") -> list[str]:
    from cards.generators import GeneratorOptions, run_generators
    from cards.parse import parse_document

    notes = f"# Ex\n\n```python\n{_CLAIM_CODE.format(comment=comment)}```\n\n{after}\n"
    result = parse_document(notes, source="t.md", deck="D")
    generated = run_generators(result, source="t.md", deck="D", options=GeneratorOptions(4))
    return [str(w) for w in generated.warnings]


def test_right_receptive_field_claims_pass() -> None:
    assert (
        claim_warnings(
            "The receptive field of conv1 is 5x5 and the receptive field after the second conv layer "
            "is 10x10.\n\n"
            "pool1 has a receptive field of 6.\n"
        )
        == []
    )


def test_wrong_receptive_field_claims_are_flagged_with_their_line() -> None:
    assert claim_warnings("The receptive field of conv2 is 12x12.\n\nRF of pool1 = 5\n", comment="9") == [
        "t.md:7: notes say receptive field 9 for conv2; the code gives 10×10",
        "t.md:10: notes say receptive field 12×12 for conv2; the code gives 10×10",
        "t.md:12: notes say receptive field 5 for pool1; the code gives 6×6",
    ]


def test_receptive_field_lines_that_name_no_layer_are_not_compared() -> None:
    # "Solution: 12x12" under a question: which layer is meant is a matter of reading the question.
    assert claim_warnings("What is the receptive field after conv2?\n\nSolution: 12x12\n") == []


def test_the_first_users_receptive_field_claim_is_read_and_agrees() -> None:
    from pathlib import Path

    from cards.generators.keras.check import field_claims
    from cards.generators.keras.extract import analyse_blocks
    from cards.parse import parse_document

    notes = Path(__file__).resolve().parent.parent / "decks" / "notes" / "anndl-exam-notes.md"
    result = parse_document(notes.read_text(encoding="utf-8"), source="n.md", deck="D")
    claims = [c for unit in analyse_blocks(result.code_blocks) for c in field_claims(unit)]
    # "… after the second conv layer is 20x20": 11 + (2 − 1)·1 = 12 after the pool, 12 + (5 − 1)·2 = 20.
    assert [(c.line, c.layer.name, c.sizes) for c in claims] == [(257, "conv2d_1", (20, 20))]
    assert claims[0].layer.rf is not None and claims[0].layer.rf[0][0] == 20


def test_the_readme_worked_example() -> None:
    model = model_of(
        """
        x = Input((64, 64, 1))
        a = Conv2D(1, 3, padding="same", name="a")(x)
        b = MaxPooling2D(name="b")(a)
        c = Conv2DTranspose(1, 2, strides=2, padding="same", name="c")(b)
        d = Conv2D(1, 3, padding="same", name="d")(c)
        """
    )
    sees = conv(start(), 3, padding="same")
    steps = [sees, conv(sees, 2, 2)]
    steps.append(transposed(steps[-1], 2, 2, "same"))
    steps.append(conv(steps[-1], 3, padding="same"))
    assert [rf(model, n) for n in "abcd"] == [field(s) for s in steps] == [3, 4, 4, 6]
    jumps = [next(layer for layer in model.layers if layer.name == n).rf[0][1] for n in "bc"]  # type: ignore[index]
    assert jumps == [2, 1]


def test_a_receptive_field_card_after_a_transposed_conv_says_units_are_counted_one_by_one() -> None:
    from cards.generators import GeneratorOptions
    from cards.generators.keras import KerasExercises
    from cards.model import CodeBlock

    code = (
        "x = Input((64, 64, 1))\na = Conv2D(1, 3, padding='same', name='a')(x)\n"
        "b = MaxPooling2D(name='b')(a)\n"
        "c = Conv2DTranspose(1, 2, strides=2, padding='same', name='c')(b)\n"
        "d = Conv2D(1, 3, padding='same', name='d')(c)\n"
    )
    block = CodeBlock(
        code=code, language="python", line=1, chapter=(), after="What is the receptive field of d?\n"
    )
    generated = KerasExercises().generate([block], source="n.md", deck="D", options=GeneratorOptions(6))
    (card,) = [c for c in generated.cards if c.key.endswith(":d:receptive-field")]
    assert card.answer.startswith(
        "<p>6×6 pixels (neighbouring outputs are on average 1×1 input pixels apart)"
    )
    assert "counted unit by unit" in card.answer
    assert "a unit receives up to ⌈2/2⌉ = 1 input units: r = 4 + (1 − 1)·2 = 4" in card.answer


def test_causal_dilated_wavenet_stack() -> None:
    # WaveNet-style Conv1D stacks: causal padding, dilation 1, 2, 4, 8; each unit sees only the past.
    model = model_of(
        """
        x = Input((64, 1))
        for i, d in enumerate((1, 2, 4, 8)):
            x = Conv1D(4, 2, padding="causal", dilation_rate=d, name=f"c{i}")(x)
        """
    )
    # r = 1 + 1 + 2 + 4 + 8 = 16 (each layer adds (2 − 1)·d with j = 1)
    assert rf(model, "c3") == 16
    sees = start()
    for d in (1, 2, 4, 8):
        n, k_eff = len(sees), d + 1
        sees = [
            frozenset().union(*(sees[i] for t in range(2) if 0 <= (i := o - (k_eff - 1) + t * d) < n))
            for o in range(n)
        ]
    assert field(sees) == 16
