"""The Keras generator on the seed notes and on small notes: models, cards, claims, identities."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import pytest

from cards.generators import Generated, GeneratorOptions, run_generators
from cards.generators.keras.check import evaluate, parse_number, parse_shape
from cards.generators.keras.extract import UnitAnalysis, analyse_blocks, analyse_code
from cards.parse import parse_document

SEED = Path(__file__).resolve().parent.parent / "decks" / "notes" / "anndl-exam-notes.md"


@lru_cache(maxsize=1)
def seed_units() -> tuple[UnitAnalysis, ...]:
    result = parse_document(SEED.read_text(encoding="utf-8"), source="n.md", deck="ANNDL")
    return tuple(analyse_blocks(result.code_blocks))


@lru_cache(maxsize=1)
def seed_generated() -> Generated:
    result = parse_document(SEED.read_text(encoding="utf-8"), source="n.md", deck="ANNDL")
    return run_generators(result, source="n.md", deck="ANNDL")


def unit_with(fragment: str) -> UnitAnalysis:
    (unit,) = [u for u in seed_units() if fragment in u.unit.code]
    return unit


def generate(notes: str, count: int = 4) -> Generated:
    result = parse_document(notes, source="t.md", deck="D")
    return run_generators(result, source="t.md", deck="D", options=GeneratorOptions(count))


# ---------------------------------------------------------------- the seed's models


@pytest.mark.parametrize(
    ("fragment", "total", "trainable", "non_trainable"),
    [
        ("patchsize", 30485, 30485, 0),  # 224 + 1,168 + 2,320 + 9,624 + 14,424 + 1,600 + 1,040 + 85
        ("(11,11)", 607093, 606965, 128),  # 23,296 + 204,928 + 295,168 + 16,448 + 65,600 + 256 + 1,040 + 357
        ("input_shape = (128,256,3)", 52163, 51907, 256),  # the professor's solution
        (
            "input_shape = (256, 256, 3)",
            290018,
            289954,
            64,
        ),  # 608 + 6,432 + 128 + 18,496 + 262,208 + 2,080 + 66
    ],
)
def test_seed_models_have_kerass_totals(
    fragment: str, total: int, trainable: int, non_trainable: int
) -> None:
    unit = unit_with(fragment)
    (model,) = unit.models
    assert (model.total, model.trainable, model.non_trainable) == (total, trainable, non_trainable)


def test_seed_professor_summary_layer_by_layer() -> None:
    (model,) = unit_with("input_shape = (128,256,3)").models
    rows = [(r.name, r.cls, r.output_shape, r.params) for r in model.layers]
    assert rows == [
        ("input", "InputLayer", (128, 256, 3), 0),
        ("conv1", "Conv2D", (128, 256, 16), 1216),
        ("mp1", "MaxPooling2D", (64, 128, 16), 0),
        ("conv2", "Conv2D", (64, 128, 32), 4640),
        ("mp2", "MaxPooling2D", (32, 64, 32), 0),
        ("dropout", "Dropout", (32, 64, 32), 0),
        ("conv3", "Conv2D", (32, 64, 128), 4224),
        ("batchNorm", "BatchNormalization", (32, 64, 128), 512),
        ("convt1", "Conv2DTranspose", (64, 128, 32), 36896),
        ("convt2", "Conv2DTranspose", (128, 256, 16), 4624),
        ("output", "Conv2DTranspose", (128, 256, 3), 51),
    ]


def test_seed_receptive_fields_match_the_notes_answers() -> None:
    (model,) = unit_with("input_shape = (128,256,3)").models
    bn = next(r for r in model.layers if r.name == "batchNorm")
    assert bn.rf == ((Fraction(12), Fraction(4)),) * 2  # "Solution: 12x12"
    (model,) = unit_with("(11,11)").models
    convs = [r for r in model.layers if r.cls == "Conv2D"]
    assert convs[0].rf is not None and convs[0].rf[0][0] == 11  # "after the first layer is 11x11"
    assert convs[1].rf is not None and convs[1].rf[0][0] == 20  # "after the second conv layer is 20x20"


def test_seed_code_keras_rejects_is_reported_with_its_line() -> None:
    text = SEED.read_text(encoding="utf-8").split("\n")
    warnings = [str(w) for w in seed_generated().warnings if "Keras would reject" in w.message]
    for warning in warnings:
        line = int(warning.split(":")[1])
        message = warning.split(": ", 1)[1]
        name = re.search(r"'(\w+)'", message)
        assert name and name.group(1) in text[line - 1], warning
    assert any("name 'inp' is not defined" in w for w in warnings)
    assert sum("unknown argument 'kernel'" in w for w in warnings) == 3
    assert any("name 'pool2' is not defined" in w for w in warnings)


def test_seed_wrong_claims_are_flagged_and_right_ones_are_not() -> None:
    claims = [str(w) for w in seed_generated().warnings if w.message.startswith("notes say")]
    assert claims == [
        "n.md:318: notes say output (None, 16, 16, 64) for conv2d_2 (the 2nd Conv2D, conv2d_1 in Keras 3); "
        "the code gives (None, 16, 16, 32)",
        "n.md:318: notes say 51,264 parameters for conv2d_2 (the 2nd Conv2D, conv2d_1 in Keras 3); "
        "the code gives 25,632 — 32·(5·5·32 + 1)",
        "n.md:319: notes say output (None, 8, 8, 64) for max_pooling2d_2 (the 2nd MaxPooling2D, "
        "max_pooling2d_1 in Keras 3); the code gives (None, 8, 8, 32)",
    ]


def test_seed_cards() -> None:
    cards = seed_generated().cards
    assert len(cards) == 4 * 4  # four models Keras accepts, four cards each by default
    assert {c.kind for c in cards} == {"generated"}
    assert all(c.tags == ("ANNDL::CNN::exercise", "generated") for c in cards)
    assert len({c.key for c in cards}) == len(cards)
    convt = next(c for c in cards if "convt1" in c.question)
    assert convt.question == "Output shape and number of parameters of <code>convt1</code> (Conv2DTranspose)?"
    assert "(None, 64, 128, 32)" in convt.answer
    assert "32·(3·3·128 + 1) = 36,896" in convt.answer
    assert (
        'class="hll layer-pointer"' in convt.context
        and "convt1" in convt.context.split("layer-pointer")[1][:400]
    )
    rf = next(c for c in cards if "Receptive field" in c.question and "batchNorm" in c.question)
    assert rf.answer.startswith("<p>12×12 pixels")


# ---------------------------------------------------------------- cards on small notes

NOTES = """# CNN

## Exercise

```python
inp = tfkl.Input(shape=(32, 32, 3))
x = tfkl.Conv2D(16, (5, 5), padding='same', name='conv1')(inp)  # par=16x(5x5x3+1)=1216
x = tfkl.MaxPooling2D(name='pool')(x)
x = tfkl.BatchNormalization(name='bn')(x)
x = tfkl.Flatten(name='flat')(x)
out = tfkl.Dense(10, name='out')(x)
model = tfk.Model(inp, out)
```

What is the receptive field of the pool layer?
"""


def test_cards_per_model_is_respected_and_the_most_instructive_come_first() -> None:
    what = [c.key.split(":")[-2:] for c in generate(NOTES, count=4).cards]
    assert what == [["*", "totals"], ["pool", "receptive-field"], ["bn", "layer"], ["conv1", "layer"]]
    assert len(generate(NOTES, count=2).cards) == 2
    assert generate(NOTES, count=0).cards == ()


def test_card_front_points_at_the_layer_and_hides_the_notes_answer() -> None:
    card = next(c for c in generate(NOTES).cards if c.key.endswith(":conv1:layer"))
    pointed = card.context.split('class="hll layer-pointer">')[1].split("</span>\n")[0]
    assert "conv1" in pointed
    assert "1216" not in card.context  # the '# par=' comment is not shown
    assert card.answer.endswith("<p>Parameters: 16·(5·5·3 + 1) = 1,216</p>")
    assert card.line == 7 and card.source == "t.md"


def test_identity_survives_moving_and_editing_the_notes_but_not_changing_the_model() -> None:
    keys = {c.key for c in generate(NOTES).cards}
    moved = "# CNN\n\nSome new text.\n\n" + NOTES.split("# CNN\n", 1)[1].replace(
        "the pool layer?", "the pool layer? 6x6"
    )
    assert {c.key for c in generate(moved).cards} == keys
    commented = NOTES.replace("# par=16x(5x5x3+1)=1216", "# par=?")
    assert {c.key for c in generate(commented).cards} == keys
    changed = NOTES.replace("Dense(10", "Dense(12")
    assert {c.key for c in generate(changed).cards}.isdisjoint(keys)


def test_wrong_code_comment_claim_is_flagged() -> None:
    wrong = generate(NOTES.replace("=1216", "=1200"))
    (warning,) = wrong.warnings
    assert str(warning) == (
        "t.md:7: notes say 1,200 parameters for conv1; the code gives 1,216 — 16·(5·5·3 + 1)"
    )


def test_formula_that_does_not_give_its_own_result_is_flagged() -> None:
    notes = NOTES + "\nconv1 (Conv2D) (None, 32, 32, 16) 16*5*5*3 = 1216\n"
    (warning,) = generate(notes).warnings
    assert warning.message == "for conv1 the notes' formula 16*5*5*3 gives 1,200, not 1,216"


def test_summary_table_and_totals_claims() -> None:
    notes = NOTES + (
        "\n| Layer | Output | Params |\n|---|---|---|\n| out (Dense) | (None, 10) | 10 × 4096 + 10 |\n"
        "\nTotal params: 42,000\n"
    )
    messages = [w.message for w in generate(notes).warnings]
    # 1,216 + 64 (BatchNormalization of 16) + 40,970; the table row (10 × 4096 + 10) is right.
    assert messages == ["notes say total params 42,000; the code gives 42,250"]


def test_rejected_model_gets_warnings_and_no_cards() -> None:
    out = generate(NOTES.replace("(5, 5), padding", "kernel=(5, 5), padding"))
    assert out.cards == ()
    assert [str(w) for w in out.warnings] == [
        "t.md:7: Conv2D() got an unknown argument 'kernel' (did you mean kernel_size=?) — "
        "Keras would reject this code, so it gets no exercise cards"
    ]


def test_model_split_over_consecutive_fences_is_joined() -> None:
    notes = (
        "# CNN\n\n```\ninp = tfkl.Input((8, 8, 1))\n```\n\nthen\n\n```\nx = tfkl.Conv2D(2, 3)(inp)\n```\n"
        "\n```\ny = tfkl.Flatten()(x)\n```\n"
    )
    (unit,) = analyse_blocks(parse_document(notes, source="t.md").code_blocks)
    assert len(unit.unit.blocks) == 3
    assert unit.models[0].total == 20  # 2·(3·3·1 + 1)
    assert unit.unit.file_line(2) == 10  # the conv line in the notes


def test_fences_under_different_headings_are_not_joined() -> None:
    notes = "# A\n\n```\ninp = tfkl.Input((8,))\n```\n\n## B\n\n```\nx = tfkl.Dense(2)(inp)\n```\n"
    units = analyse_blocks(parse_document(notes, source="t.md").code_blocks)
    assert len(units) == 2
    assert "name 'inp' is not defined" in units[1].problems[0].message


def test_non_keras_code_is_ignored() -> None:
    notes = "# A\n\n```python\nprint('hi')\nmodel.compile(loss='mse')\n```\n\n```\n+--+\n| |\n```\n"
    assert generate(notes) == Generated()


# ---------------------------------------------------------------- reading numbers


@pytest.mark.parametrize(
    ("text", "value"),
    [("51.264", 51264), ("3,671,040", 3671040), ("1216", 1216), ("1.5", None), ("12.34", None)],
)
def test_parse_number_reads_thousands_separators(text: str, value: int | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("formula", "value"),
    [
        ("3x3x1x128 + 128", 1280),
        ("8(5x5x3+1)", 608),
        ("(8*8*64+1)*64", 262208),
        ("64 \\times (5 \\times 5 \\times 32) + 64", 51264),
        ("128*64*3*3 + 128", 73856),
        ("32·3·3·3 + 32", 896),
        ("[32*4]", 128),
        ("relu", None),
    ],
)
def test_evaluate_student_formulas(formula: str, value: int | None) -> None:
    assert evaluate(formula) == value


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("16, 16, 64", (16, 16, 64)),
        ("[256 256 3]", (256, 256, 3)),
        ("[8*8*64]", (4096,)),
        ("256x256x128", (256, 256, 128)),
    ],
)
def test_parse_shape(text: str, shape: tuple[int, ...]) -> None:
    assert parse_shape(text) == shape


def test_seed_asks_for_receptive_fields_get_those_cards() -> None:
    keys = [c.key for c in seed_generated().cards]
    unit = unit_with("(11,11)")  # "…after the first convolutional layer? How about … the second …?"
    assert f"keras:{unit.key}:0:conv2d:receptive-field" in keys
    assert f"keras:{unit.key}:0:conv2d_1:receptive-field" in keys
    unit = unit_with("input_shape = (128,256,3)")  # "…of the output of the batchnorm layer?"
    assert f"keras:{unit.key}:0:batchNorm:receptive-field" in keys
    assert f"keras:{unit.key}:0:output:receptive-field" not in keys  # "output" is a word here, not the layer


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("What is the receptive field of conv_b?", ["conv_b"]),
        ("Receptive field after the second convolutional layer?", ["conv_b"]),
        ("Receptive field of the first conv layer? How about the last conv layer?", ["conv_a", "output"]),
        ("Receptive field of the output layer?", ["output"]),
        ("Receptive field at the output of the network?", []),
        ("What does conv_b compute?", []),
    ],
)
def test_which_receptive_fields_the_notes_ask_for(text: str, asked: list[str]) -> None:
    from cards.generators.keras.cards import asked_receptive_fields

    model = analyse_code(
        "i = tfkl.Input((8, 8, 1))\nx = tfkl.Conv2D(2, 3, name='conv_a')(i)\n"
        "x = tfkl.Conv2D(2, 3, name='conv_b')(x)\nx = tfkl.Conv2D(1, 1, name='output')(x)\n"
    )[0]
    assert asked_receptive_fields(text, model.layers) == asked


def test_valid_keras_that_is_not_analysed_says_so() -> None:
    code = "import cfg\ni = tfkl.Input((8,))\nx = tfkl.Dense(8)(i)\nif cfg.deep:\n    x = tfkl.Dense(8)(x)\n"
    notes = f"# A\n\n```\n{code}```\n"
    (warning,) = generate(notes).warnings
    assert warning.message == (
        "notedeck cannot follow `if cfg.deep:` (line 7): whether the condition holds is not known — "
        "the code may well be valid, but it gets no exercise cards"
    )


def test_a_shared_layer_is_analysed_now() -> None:
    notes = "# A\n\n```\ni = tfkl.Input((8,))\nd = tfkl.Dense(8)\nx = d(i)\ny = d(x)\n```\n"
    generated = generate(notes)
    assert not generated.warnings and generated.cards
