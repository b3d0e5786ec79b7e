"""Keras exercises through the CLI and the real Anki engine: exercises --json, check, the deck, drill."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.generators.keras.drill import networks
from cards.generators.keras.extract import analyse_code
from exporter.cli import cli
from tests import cli_support
from tests.anki_engine import collection, import_package, note_by_question
from tests.cli_support import build_usage_error

ROOT = Path(__file__).resolve().parent.parent
SMALL = """# CNN

```python
inp = tfkl.Input(shape=(28, 28, 1))
x = tfkl.Conv2D(8, 3, name='c')(inp)
x = tfkl.Flatten()(x)
out = tfkl.Dense(10)(x)
```
"""


@pytest.fixture
def seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the default deck in the working folder."""
    shutil.copytree(ROOT / "decks", tmp_path / "decks", ignore=shutil.ignore_patterns("*.lock.json"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NOTEDECK_NO_CACHE", "1")
    return tmp_path


def write_deck(tmp_path: Path, extra: str = "") -> Path:
    """A deck of the SMALL notes, with ``extra`` deck-file lines."""
    return cli_support.write_deck(tmp_path, f"name: D\nid: 7\nnotes: [notes.md]\n{extra}", notes=SMALL)


def test_exercises_json_has_the_documented_interface(seed: Path) -> None:
    result = CliRunner().invoke(cli, ["exercises", "decks/anndl.yaml", "--json"])
    assert result.exit_code == 0, result.output
    models = json.loads(result.stdout)
    assert [(m["source"], m["total_params"]) for m in models] == [
        ("decks/notes/anndl-exam-notes.md:162", 30485),
        ("decks/notes/anndl-exam-notes.md:220", 607093),
        ("decks/notes/anndl-exam-notes.md:400", 52163),  # functional: the Input's line
        ("decks/notes/anndl-exam-notes.md:525", 290018),
    ]
    professor = models[2]
    assert set(professor) == {"source", "total_params", "trainable_params", "non_trainable_params", "layers"}
    assert (professor["trainable_params"], professor["non_trainable_params"]) == (51907, 256)
    first, bn = professor["layers"][0], professor["layers"][7]
    assert first == {
        "name": "input",
        "class": "InputLayer",
        "output_shape": [128, 256, 3],
        "params": 0,
        "trainable_params": 0,
        "non_trainable_params": 0,
        "receptive_field": {"size": [1, 1], "jump": [1, 1]},
    }
    assert bn["name"] == "batchNorm" and bn["receptive_field"] == {"size": [12, 12], "jump": [4, 4]}
    assert (bn["trainable_params"], bn["non_trainable_params"]) == (256, 256)
    dense = models[3]["layers"][-1]
    assert dense["receptive_field"] is None and dense["output_shape"] == [2]
    assert "decks/notes/anndl-exam-notes.md:131: name 'inp' is not defined" in result.stderr


def test_exercises_on_a_notes_file_and_as_a_table(tmp_path: Path) -> None:
    write_deck(tmp_path)
    result = CliRunner().invoke(cli, ["exercises", str(tmp_path / "notes.md"), "--json"])
    (model,) = json.loads(result.stdout)
    assert [layer["params"] for layer in model["layers"]] == [
        0,
        80,
        0,
        54090,
    ]  # 8·(3·3·1 + 1); 10·(26·26·8 + 1)
    table = CliRunner().invoke(cli, ["exercises", str(tmp_path / "notes.md")])
    assert (
        "c (Conv2D)" in table.stdout
        and "Total params: 54,170 (trainable 54,170, non-trainable 0)" in table.stdout
    )


def test_check_reports_the_seeds_wrong_claims(seed: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "decks/anndl.yaml"])
    assert result.exit_code == 0, result.output
    assert (
        "decks/notes/anndl-exam-notes.md:318: notes say 51,264 parameters for conv2d_2 "
        "(the 2nd Conv2D, conv2d_1 in Keras 3); the code gives 25,632 — 32·(5·5·32 + 1)\n"
    ) in result.stdout
    assert "anndl-exam-notes.md:281: Conv2D() got an unknown argument 'kernel'" in result.stdout


@pytest.mark.parametrize(
    ("extra", "per_model"),
    [("", 4), ("exercises: true\n", 4), ("exercises: {cards_per_model: 2}\n", 2), ("exercises: false\n", 0)],
)
def test_exercises_key_sets_the_number_of_generated_cards(tmp_path: Path, extra: str, per_model: int) -> None:
    deck = write_deck(tmp_path, extra)
    result = CliRunner().invoke(cli, ["list", str(deck), "--json"])
    assert result.exit_code == 0, result.output
    generated = [c for c in json.loads(result.stdout) if c["kind"] == "generated"]
    assert len(generated) == per_model
    assert all(c["tags"] == ["D::CNN::exercise", "generated"] for c in generated)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("exercises: 3\n", "exercises: expected false or a mapping, got an integer — "),
        ("exercises: {count: 2}\n", "exercises: count: unknown key — use cards_per_model"),
        (
            "exercises: {cards_per_model: many}\n",
            "exercises: cards_per_model: expected a whole number from 0 to 50",
        ),
        (
            "exercises: {cards_per_model: true}\n",
            "exercises: cards_per_model: expected a whole number from 0 to 50",
        ),
    ],
)
def test_broken_exercises_key_is_a_usage_error(tmp_path: Path, extra: str, message: str) -> None:
    deck = write_deck(tmp_path, extra)
    assert build_usage_error(deck, tmp_path / "out").startswith(f"Error: {deck}: {message}")


def test_default_deck_carries_exercise_cards_into_anki(seed: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--out", "out"])
    assert result.exit_code == 0, result.output
    with collection(seed / "col.anki2") as col:
        log = import_package(col, seed / "out" / "anndl.apkg")
        assert log["new"] > 16
        generated = col.find_notes("tag:generated")
        assert len(generated) == 16
        note = note_by_question(col, "<code>convt1</code> (Conv2DTranspose)")
        assert "ANNDL::CNN::exercise" in note.tags
        card = note.cards()[0]
        rendered = card.render_output()
        assert "layer-pointer" in rendered.question_text
        assert "32·(3·3·128 + 1) = 36,896" in rendered.answer_text
        assert "(None, 64, 128, 32)" in rendered.answer_text


def test_drill_is_reproducible_and_imports(tmp_path: Path) -> None:
    runner = CliRunner()
    counts = []
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        result = runner.invoke(
            cli, ["drill", "--count", "6", "--seed", seed, "--out", str(tmp_path / f"{name}.apkg")]
        )
        assert result.exit_code == 0, result.output
        counts.append(int(result.output.split(": ")[1].split()[0]))
        assert f"{counts[-1]} cards from 6 networks (seed {seed})" in result.output
    assert 6 * 2 <= counts[0] <= 6 * 4  # totals plus at least one layer or receptive-field question each
    assert (tmp_path / "a.apkg").read_bytes() == (tmp_path / "b.apkg").read_bytes()
    assert (tmp_path / "a.apkg").read_bytes() != (tmp_path / "c.apkg").read_bytes()
    with collection(tmp_path / "col.anki2") as col:
        assert import_package(col, tmp_path / "a.apkg")["new"] == counts[0]
        assert col.decks.id_for_name("notedeck drill")
        kinds = {t for nid in col.find_notes("") for t in col.get_note(nid).tags if t.endswith("::exercise")}
        assert kinds == {"notedeck_drill::CNN::exercise", "notedeck_drill::Encoder-decoder::exercise",
                         "notedeck_drill::RNN::exercise"}  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_drill_networks_always_analyse_without_warnings(seed: int) -> None:
    for network in networks(3, seed):
        (unit,) = analyse_code(network.code)
        assert unit.accepted and not unit.problems, (network.code, unit.problems)
        assert unit.models[0].total > 0


@pytest.mark.parametrize("command", ["exercises", "drill"])
def test_new_commands_have_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
