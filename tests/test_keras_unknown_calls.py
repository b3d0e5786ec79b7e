"""Lists and dicts handed to code notedeck does not follow are unknown afterwards.

``random.shuffle(sizes)`` reorders ``sizes`` in place, and a helper notedeck does
not have may grow or rewrite what it receives; Python shows the change through
every name and container holding the same object. A layer size read from such a
value afterwards makes the model "not analysed", naming the call and its line.
Calls notedeck follows exactly (its builtins, list and dict methods, helpers
defined in the notes) keep exact numbers. Keras 3's arithmetic is worked by hand
in each comment (Dense: units·(inputs + 1)); no TensorFlow or Keras is needed.
"""

from __future__ import annotations

import pytest

from cards.generators.keras.extract import UnitAnalysis, analyse_code

HEAD = "import random\nimport numpy as np\nfrom keras import layers, Input, Model\nx = Input((8,))\n"
LINE = 20
"""The file line of the code's first line."""


def unit_of(code: str) -> UnitAnalysis:
    (unit,) = analyse_code(code, line=LINE)
    return unit


def file_line(code: str, text: str) -> int:
    """The file line of the first code line that contains ``text``."""
    return LINE + next(i for i, line in enumerate(code.splitlines()) if text in line)


def not_analysed(code: str) -> str:
    """The message of the one fatal problem (the code gets no model)."""
    unit = unit_of(code)
    assert not unit.models
    (problem,) = [p for p in unit.problems if p.fatal]
    assert problem.unsupported, problem.message
    assert problem.message.startswith("notedeck cannot follow"), problem.message
    return problem.message


def params(code: str) -> list[int]:
    """Trainable parameters of each layer of the last model (its InputLayer left out)."""
    unit = unit_of(code)
    assert unit.accepted, unit.problems
    return [layer.trainable for layer in unit.models[-1].layers if layer.cls != "InputLayer"]


# ---------------------------------------------------------------- unknown afterwards


@pytest.mark.parametrize(
    ("code", "call"),
    [
        # random.shuffle reorders the list in place: Keras builds Dense(64) or Dense(32).
        (
            HEAD + "sizes = [64, 32]\nrandom.shuffle(sizes)\ny = layers.Dense(sizes[0])(x)\n",
            "random.shuffle(sizes)",
        ),
        # Another name for the same list: shuffling `alias` reorders `sizes` too.
        (
            HEAD + "sizes = [64, 32]\nalias = sizes\nrandom.shuffle(alias)\ny = layers.Dense(sizes[0])(x)\n",
            "random.shuffle(alias)",
        ),
        # The dict holds the very list that was shuffled.
        (
            HEAD + "sizes = [64, 32]\ncfg = {'sizes': sizes}\nrandom.shuffle(sizes)\n"
            "y = layers.Dense(cfg['sizes'][0])(x)\n",
            "random.shuffle(sizes)",
        ),
        # A helper notedeck does not have may change the dict and the list inside it.
        (
            HEAD + "cfg = {'sizes': [64, 32]}\nmy_helper(cfg)\ny = layers.Dense(cfg['sizes'][0])(x)\n",
            "my_helper(cfg)",
        ),
        (
            HEAD + "cfg = {'units': 4}\nmy_helper(cfg)\ny = layers.Dense(cfg.get('units'))(x)\n",
            "my_helper(cfg)",
        ),
        # A tuple cannot change, but the list it holds can.
        (
            HEAD + "sizes = [64, 32]\npair = (sizes, 'relu')\nmy_helper(pair)\n"
            "y = layers.Dense(sizes[0])(x)\n",
            "my_helper(pair)",
        ),
        # A list method notedeck does not model.
        (
            HEAD + "sizes = [64, 32]\nsizes.shuffle_in_place()\ny = layers.Dense(sizes[0])(x)\n",
            "sizes.shuffle_in_place()",
        ),
        # numpy is code notedeck does not have (permutation copies, but notedeck cannot know that).
        (
            HEAD + "sizes = [64, 32]\norder = np.random.permutation(sizes)\ny = layers.Dense(sizes[0])(x)\n",
            "np.random.permutation(sizes)",
        ),
        # Its length too: unknown code may append or remove.
        (
            HEAD + "sizes = [64, 32]\nmy_helper(sizes)\ny = layers.Dense(len(sizes))(x)\n",
            "my_helper(sizes)",
        ),
        # A loop over it: how many layers Keras builds is not known.
        (
            HEAD
            + "sizes = [64, 32]\nrandom.shuffle(sizes)\ny = x\nfor n in sizes:\n    y = layers.Dense(n)(y)\n",
            "random.shuffle(sizes)",
        ),
        # Unpacking the shuffled list out of the list holding it.
        (
            HEAD + "pairs = [[64, 32]]\nrandom.shuffle(pairs[0])\nfor a, b in pairs:\n"
            "    y = layers.Dense(a)(x)\n",
            "random.shuffle(pairs[0])",
        ),
        # A builtin that looks inside the outer list sees the shuffled one.
        (
            HEAD + "a = [64]\nb = [32]\nrandom.shuffle(a)\ny = layers.Dense(max([a, b])[0])(x)\n",
            "random.shuffle(a)",
        ),
        # A function of the notes handed to unknown code may run there and grow the list it names.
        (
            HEAD + "sizes = [64, 32]\ndef grow():\n    sizes.append(16)\nrun_later(grow)\n"
            "y = layers.Dense(len(sizes))(x)\n",
            "run_later(grow)",
        ),
        # … or rebind a global name.
        (
            HEAD + "n = 4\ndef reset():\n    global n\n    n = 5\nrun_later(reset)\ny = layers.Dense(n)(x)\n",
            "run_later(reset)",
        ),
    ],
)
def test_a_value_handed_to_unknown_code_is_not_used_afterwards(code: str, call: str) -> None:
    code += "m = Model(x, y)\n"
    message = not_analysed(code)
    assert f"`{call}` (line {file_line(code, call)})" in message
    assert f"dense (Dense) (line {file_line(code, 'layers.Dense')})" in message or "for … in" in message


def test_the_problem_is_where_the_layer_size_is_read() -> None:
    code = HEAD + "sizes = [64, 32]\nrandom.shuffle(sizes)\ny = layers.Dense(sizes[0])(x)\nm = Model(x, y)\n"
    unit = unit_of(code)
    (problem,) = unit.problems
    assert problem.line == file_line(code, "layers.Dense")
    assert problem.message == (
        f"notedeck cannot follow dense (Dense) (line {problem.line}): its 'units': a list handed to "
        f"`random.shuffle(sizes)` (line {problem.line - 1}), which may have changed it"
    )


# ---------------------------------------------------------------- still exact


def test_an_unknown_call_on_another_list_leaves_this_one_known() -> None:
    # Only `other` was handed over; Dense(64) on 8 inputs: 64·(8 + 1) = 576.
    code = (
        HEAD + "sizes = [64, 32]\nother = [1, 2]\nrandom.shuffle(other)\n"
        "y = layers.Dense(sizes[0])(x)\nm = Model(x, y)\n"
    )
    assert params(code) == [576]


def test_other_items_of_the_dict_holding_it_stay_known() -> None:
    # Shuffling `sizes` cannot change cfg['n']: Dense(3) on 8 inputs: 3·(8 + 1) = 27.
    code = (
        HEAD + "sizes = [64, 32]\ncfg = {'sizes': sizes, 'n': 3}\nrandom.shuffle(sizes)\n"
        "y = layers.Dense(cfg['n'])(x)\nm = Model(x, y)\n"
    )
    assert params(code) == [27]


def test_a_helper_of_the_notes_that_appends_is_followed_exactly() -> None:
    # grow appends 16: sizes = [64, 32, 16]. Dense(64) on 8: 64·9 = 576; Dense(32) on 64:
    # 32·65 = 2,080; Dense(16) on 32: 16·33 = 528.
    code = (
        HEAD + "def grow(s):\n    s.append(16)\nsizes = [64, 32]\ngrow(sizes)\n"
        "y = x\nfor n in sizes:\n    y = layers.Dense(n)(y)\nm = Model(x, y)\n"
    )
    assert params(code) == [576, 2080, 528]


def test_calls_that_only_read_leave_values_known() -> None:
    # print, set, str.join, sorted with a key and list.index read and never change: Dense(64)
    # then Dense(2) (len(names)) on 64: 576 and 2·65 = 130.
    code = (
        HEAD + "sizes = [64, 32]\nnames = ['a', 'b']\nprint(sizes)\nkinds = set(sizes)\n"
        "label = ','.join(names)\norder = sorted(sizes, key=lambda s: -s)\nk = sizes.index(32)\n"
        "y = layers.Dense(sizes[0])(x)\ny = layers.Dense(len(names))(y)\nm = Model(x, y)\n"
    )
    assert params(code) == [576, 130]


def test_a_name_bound_again_after_the_call_is_known() -> None:
    # `sizes = [8]` is a new list: Dense(8) on 8 inputs: 8·9 = 72.
    code = (
        HEAD + "sizes = [64, 32]\nrandom.shuffle(sizes)\nsizes = [8]\n"
        "y = layers.Dense(sizes[0])(x)\nm = Model(x, y)\n"
    )
    assert params(code) == [72]


# ---------------------------------------------------------------- stores notedeck cannot place


@pytest.mark.parametrize(
    ("code", "store"),
    [
        # An object notedeck does not know keeps the list; its methods may shuffle it later.
        (
            HEAD + "sizes = [64, 32]\ntrainer = Trainer()\ntrainer.sizes = sizes\ntrainer.shuffle()\n"
            "y = layers.Dense(sizes[0])(x)\n",
            "trainer.sizes",
        ),
        (
            HEAD + "sizes = [64, 32]\nstore = get_store()\nstore['s'] = sizes\nstore.shuffle_all()\n"
            "y = layers.Dense(sizes[0])(x)\n",
            "store['s']",
        ),
        # sizes[i] = 8 with i drawn at random: Keras builds Dense(8) or Dense(64).
        (
            HEAD
            + "sizes = [64, 32]\ni = random.randint(0, 1)\nsizes[i] = 8\ny = layers.Dense(sizes[0])(x)\n",
            "sizes[i]",
        ),
        (
            HEAD
            + "sizes = [64, 32]\nk = random.randint(0, 1)\nsizes[k:] = [16]\ny = layers.Dense(sizes[0])(x)\n",
            "sizes[k:]",
        ),
    ],
)
def test_a_store_notedeck_cannot_place_makes_the_value_unknown(code: str, store: str) -> None:
    code += "m = Model(x, y)\n"
    message = not_analysed(code)
    assert f"`{store}` (line {file_line(code, store + ' =')})" in message


def test_a_slice_assignment_is_followed_as_python_does_it() -> None:
    # sizes[1:] = [16, 4] makes [64, 16, 4]; Dense(4) on 8 inputs: 4·(8 + 1) = 36.
    code = HEAD + "sizes = [64, 32]\nsizes[1:] = [16, 4]\ny = layers.Dense(sizes[2])(x)\nm = Model(x, y)\n"
    assert params(code) == [36]
