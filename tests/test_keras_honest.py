"""'Keras would reject this code' only where Keras 3 (or Python) raises.

Each case names the Keras 3 source that decides it and works the behaviour out
by hand in a comment; no TensorFlow or Keras is needed. Three tables:
code Keras refuses (still refused, naming the construct and its line), code
Keras takes without a check notedeck can follow (now 'cannot follow'), and
code where notedeck now does exactly what Keras does.
"""

from __future__ import annotations

import textwrap

import pytest

from cards.generators.keras.extract import UnitAnalysis, analyse_code

HEAD = "from keras import layers, Input, Model, Sequential\nx = Input((8, 8, 4))\n"
SEQ = "from keras import layers, Input, Model, Sequential\nx = Input((10, 6))\n"


def unit_of(code: str) -> UnitAnalysis:
    (unit,) = analyse_code(textwrap.dedent(code), line=20)
    return unit


def fatal(code: str) -> tuple[int, str, bool]:
    """(file line, message, unsupported) of the one fatal problem."""
    unit = unit_of(code)
    assert not unit.models
    problems = [p for p in unit.problems if p.fatal]
    assert len(problems) == 1, unit.problems
    return problems[0].line, problems[0].message, problems[0].unsupported


# ---------------------------------------------------------------- kept: Keras raises


@pytest.mark.parametrize(
    ("code", "construct"),
    [
        # base_conv.py: standardize_tuple(kernel_size, 2): tuple(3.0) is a TypeError → ValueError.
        (HEAD + "y = layers.Conv2D(4, 3.0)(x)\n", "'kernel_size' must be an int or 2 ints"),
        # standardize_tuple: 2 items for a rank of 2, else ValueError.
        (HEAD + "y = layers.Conv2D(4, (3, 3, 3))(x)\n", "'kernel_size' must be an int or 2 ints"),
        # standardize_tuple: {v for v in value_tuple if v <= 0} is not empty → ValueError.
        (HEAD + "y = layers.Conv2D(4, (3, 0))(x)\n", "'kernel_size' must hold integers ≥ 1"),
        # standardize_tuple: int(None) is a TypeError → ValueError.
        (HEAD + "y = layers.MaxPooling2D((2, None))(x)\n", "'pool_size' must hold integers ≥ 1"),
        # BaseConv.__init__: `if self.filters is not None and self.filters <= 0: raise ValueError`.
        (HEAD + "y = layers.Conv2D(0, 3)(x)\n", "'filters' must be at least 1"),
        # Dense.__init__: `if not isinstance(units, int) or units <= 0: raise ValueError`.
        (HEAD + "y = layers.Dense(-2)(x)\n", "'units' must be at least 1"),
        # standardize_padding: 'full'.lower() is not in {'valid', 'same'} → ValueError.
        (HEAD + "y = layers.Conv2D(4, 3, padding='full')(x)\n", "'padding' must be one of"),
        # Bidirectional.__init__: merge_mode not in ['sum', 'mul', 'ave', 'concat', None] (no lower()).
        (
            SEQ + "y = layers.Bidirectional(layers.LSTM(4), merge_mode='Concat')(x)\n",
            "'merge_mode' must be one of",
        ),
        # Bidirectional._verify_layer_config: forward.go_backwards == backward.go_backwards → ValueError
        # (the automatic backward copy has go_backwards=True, so a forward one with True clashes).
        (SEQ + "y = layers.Bidirectional(layers.LSTM(4, go_backwards=True))(x)\n", "differ in go_backwards"),
        (
            SEQ + "y = layers.Bidirectional(layers.LSTM(4), backward_layer=layers.LSTM(4))(x)\n",
            "differ in go_backwards",
        ),
        # _verify_layer_config: return_sequences must be equal in both directions.
        (
            SEQ + "y = layers.Bidirectional(layers.LSTM(4, return_sequences=True),"
            " backward_layer=layers.LSTM(4, go_backwards=True))(x)\n",
            "must agree on return_sequences",
        ),
        # Bidirectional.__init__: `if not isinstance(layer, Layer): raise ValueError`; a Dense has no
        # go_backwards, so _verify_layer_config raises AttributeError.
        (SEQ + "y = layers.Bidirectional(layers.Dense(4))(x)\n", "must wrap a recurrent layer"),
        # Cropping2D.compute_output_shape: sum(cropping[0]) >= input_shape[1] → ValueError.
        (HEAD + "y = layers.Cropping2D(((4, 4), (0, 0)))(x)\n", "leaves nothing of size 8"),
        # Cropping2D.__init__: standardize_tuple(cropping[0], 2, allow_zero=True) refuses v < 0.
        (HEAD + "y = layers.Cropping2D(((-1, 0), (0, 0)))(x)\n", "cannot read 'cropping'"),
        # Reshape.__init__: tuple(12) is a TypeError.
        (HEAD + "y = layers.Reshape(256)(x)\n", "target_shape must be a tuple of ints"),
        # Reshape.__init__: target_shape.count(-1) > 1 → ValueError.
        (HEAD + "y = layers.Reshape((-1, -1))(x)\n", "only one dimension of target_shape can be -1"),
        # validate_reshape_shape: a dim < -1 → ValueError.
        (HEAD + "y = layers.Reshape((-2, 128))(x)\n", "sizes ≥ 0 or -1"),
        # compute_reshape_output_shape: 8·8·4 = 256 ≠ 5·50 = 250 → ValueError.
        (HEAD + "y = layers.Reshape((5, 50))(x)\n", "cannot reshape 256 values"),
        # compute_reshape_output_shape: known_output_size == 0 with a -1 → ValueError.
        (HEAD + "y = layers.Reshape((0, -1))(x)\n", "cannot reshape 256 values"),
        # Dot.__init__: axes neither an int nor a list/tuple → TypeError.
        (
            HEAD + "a = layers.Flatten()(x)\ny = layers.Dot(axes='last')([a, a])\n",
            "axes must be an int or 2 ints",
        ),
        # Dot.build: shape1[axes[0]] with axes (5, 1) on (None, 256) is an IndexError.
        (HEAD + "a = layers.Flatten()(x)\ny = layers.Dot(axes=(5, 1))([a, a])\n", "out of range"),
        # Dot.build: shape1[axes[0]] != shape2[axes[1]]: 256 ≠ 4.
        (
            HEAD + "a = layers.Flatten()(x)\nb = layers.Dense(4)(a)\ny = layers.Dot(axes=1)([a, b])\n",
            "incompatible",
        ),
        # PReLU.build: param_shape[i - 1] with i = 5 on three dims is an IndexError.
        (HEAD + "y = layers.PReLU(shared_axes=[5])(x)\n", "shared_axes must hold axes"),
        # Dropout.__init__: `isinstance(rate, (int, float)) and not 0 <= rate <= 1` → ValueError.
        (HEAD + "y = layers.Dropout(1.5)(x)\n", "rate must be between 0 and 1"),
        # Layer.__init__: leftover kwargs → ValueError("Unrecognized keyword arguments ...").
        (HEAD + "y = layers.Dense(2, colour='red')(x)\n", "unknown argument 'colour'"),
        # Python: a def without the argument is a TypeError when called.
        (
            HEAD + "def block(t, n):\n    return layers.Dense(n)(t)\ny = block(x)\n",
            "missing the argument 'n'",
        ),
        # Python: NameError.
        (HEAD + "y = layers.Dense(2)(pool)\n", "name 'pool' is not defined"),
        # Python: {'a': 1}['b'] is a KeyError; [1, 2][5] an IndexError.
        (HEAD + "cfg = {'a': 1}\ny = layers.Dense(cfg['b'])(x)\n", "KeyError: 'b'"),
        (HEAD + "sizes = [1, 2]\ny = layers.Dense(sizes[5])(x)\n", "index out of range"),
        (
            HEAD + "sizes = [1, 2]\ndel sizes[5]\n",
            "list assignment index out of range",
        ),
        (HEAD + "sizes = [1, 2]\nsizes.remove(3)\n", "fails in Python"),
        # Sequential.add(layer, rebuild=True): three arguments are a TypeError.
        (
            "from keras import layers, Sequential\nm = Sequential()\nm.add(layers.Dense(2), True, 1)\n",
            "takes one layer",
        ),
    ],
)
def test_code_keras_refuses_is_still_refused_with_its_line(code: str, construct: str) -> None:
    line, message, unsupported = fatal(code)
    assert construct in message
    assert not unsupported
    last = len(code.rstrip("\n").splitlines())
    assert line == 20 + last - 1  # the last line of the code holds the construct, at file line 20 + i


# ------------------------------------------------ changed: Keras takes it, notedeck cannot follow


@pytest.mark.parametrize(
    ("code", "construct"),
    [
        # BaseConv.__init__ only checks `filters <= 0`: 4.0 passes and goes into the kernel shape.
        (HEAD + "y = layers.Conv2D(4.0, 3)(x)\n", "its 'filters' is 4.0, not an int"),
        # standardize_tuple: int(2.0) works and 2.0 > 0, so (2.0, 2.0) is kept as it is.
        (HEAD + "y = layers.Conv2D(4, (2.0, 2.0))(x)\n", "its 'kernel_size' is (2.0, 2.0), not ints"),
        # standardize_tuple: isinstance(True, int), so True is a kernel of 1 to Keras.
        (HEAD + "y = layers.Conv2D(4, True)(x)\n", "not ints"),
        # BaseConv.call: `if self.use_bias:` — any value is taken for its truth.
        (HEAD + "y = layers.Conv2D(4, 3, use_bias=1)(x)\n", "its 'use_bias' is 1, not True or False"),
        # Dropout.__init__ checks the range only when the rate is an int or a float.
        (HEAD + "y = layers.Dropout('0.5')(x)\n", "its 'rate' is '0.5', not a number"),
        # DepthwiseConv2D stores depth_multiplier unchecked.
        (HEAD + "y = layers.DepthwiseConv2D(3, depth_multiplier=0)(x)\n", "its 'depth_multiplier' is 0"),
        # ZeroPadding2D.__init__: an int is taken as it is, negative too.
        (HEAD + "y = layers.ZeroPadding2D(-1)(x)\n", "with a negative amount"),
        # Dense(units, activation, use_bias, kernel_initializer, …): 4 positional arguments are valid.
        (HEAD + "y = layers.Dense(2, 'relu', True, 'glorot_uniform')(x)\n", "4 positional arguments"),
        # Dense(lora_rank=4) freezes the kernel and adds lora_kernel_a/b when built.
        (HEAD + "y = layers.Dense(2, lora_rank=4)(x)\n", "lora_rank"),
        # Reshape: compute_reshape_output_shape reads a float item as None (an unknown size).
        (HEAD + "y = layers.Reshape((2.0, 128))(x)\n", "holds something other than ints"),
        # Dot.build: axes=0 compares the batch sizes (None == None) and goes on.
        (HEAD + "a = layers.Flatten()(x)\ny = layers.Dot(axes=0)([a, a])\n", "take the batch axis"),
        # Concatenate.build: `del reduced_inputs_shapes[i][0]`, then compares the other axes: accepted.
        (HEAD + "y = layers.Concatenate(axis=0)([x, x])\n", "batch axis"),
        # Merge.build: inputs of different ranks set _reshape_required and broadcast.
        (
            HEAD + "a = layers.Flatten()(x)\nb = layers.Dense(4)(x)\ny = layers.Add()([a, b])\n",
            "different ranks",
        ),
        # RNN has no input spec in Keras 3: compute_output_shape works for (None, 8, 8, 4) too.
        (HEAD + "y = layers.LSTM(4)(x)\n", "not (timesteps, features)"),
        # Conv2DTranspose.compute_output_shape does not compare output_padding with strides.
        (
            HEAD + "y = layers.Conv2DTranspose(4, 3, strides=2, output_padding=2)(x)\n",
            "not smaller than strides",
        ),
        # UpSampling2D stores interpolation; ops.image.resize checks it only when the layer runs.
        (HEAD + "y = layers.UpSampling2D(interpolation='Bilinear')(x)\n", "interpolation='Bilinear'"),
        # Layer.__call__ converts a list for some layers (an Activation stacks it).
        (HEAD + "y = layers.Activation('relu')([x, x])\n", "called on a list of tensors"),
        # Sequential.build hands a list of tensors on to the next layer; it does not refuse it.
        (SEQ + "m = Sequential([x, layers.LSTM(4, return_state=True)])\n", "several tensors"),
        # Sequential.add(layer, rebuild=True): a second argument is rebuild.
        (
            "from keras import layers, Sequential\nm = Sequential()\nm.add(layers.Dense(2), False)\n",
            "rebuild",
        ),
        # list.sort(key=...) with a function notedeck does not run.
        (HEAD + "sizes = [2, 1]\nsizes.sort(key=lambda s: -s)\n", "sizes.sort()"),
    ],
)
def test_code_keras_takes_is_not_called_rejected(code: str, construct: str) -> None:
    line, message, unsupported = fatal(code)
    assert unsupported, message
    assert message.startswith("notedeck cannot follow")
    assert construct in message
    last = len(code.rstrip("\n").splitlines())
    assert line == 20 + last - 1


# ---------------------------------------------------------------- changed: notedeck does what Keras does


def numbers(code: str) -> tuple[tuple[int | None, ...], int]:
    """(output shape, parameters) of the last layer of the one model."""
    unit = unit_of(code)
    assert unit.accepted, unit.problems
    layer = unit.models[-1].layers[-1]
    return layer.output_shape, layer.params


def test_prelu_shared_axes_are_python_indexes_like_keras() -> None:
    # PReLU.build: param_shape = [8, 8, 4]; i = 0 sets param_shape[-1] = 1 and i = -1 sets
    # param_shape[-2] = 1: 8·1·1 = 8 slopes (Keras takes both without a check).
    assert numbers(HEAD + "y = layers.PReLU(shared_axes=[0, -1])(x)\nm = Model(x, y)\n") == ((8, 8, 4), 8)


def test_bidirectional_with_a_smaller_backward_layer_has_keras_shape() -> None:
    # compute_output_shape doubles the forward shape: (None, 2·8) = (None, 16), whatever the
    # backward size. Weights: LSTM 4·(8·(6 + 8) + 8) = 480; GRU 3·(2·(6 + 2) + 2·2) = 60.
    code = (
        SEQ + "y = layers.Bidirectional(layers.LSTM(8), backward_layer=layers.GRU(2, go_backwards=True))(x)\n"
        "m = Model(x, y)\n"
    )
    assert numbers(code) == ((16,), 540)


def test_sequential_add_takes_its_layer_by_keyword() -> None:
    # Sequential.add(self, layer, rebuild=True): add(layer=...) binds the same argument.
    code = "from keras import layers, Sequential, Input\nm = Sequential([Input((4,))])\n"
    code += "m.add(layer=layers.Dense(2))\n"
    assert numbers(code) == ((2,), 10)  # 2·(4 + 1)


def test_python_builtins_are_never_undefined() -> None:
    # __debug__ is True in Python; notedeck does not know it but must not call it undefined.
    unit = unit_of(HEAD + "if __debug__:\n    y = layers.Dense(2)(x)\n")
    assert all("not defined" not in p.message for p in unit.problems)
    assert any(p.unsupported for p in unit.problems)


def test_list_changes_are_followed_as_python_does_them() -> None:
    # [64, 16, 32] sorted is [16, 32, 64]; del sizes[0] leaves [32, 64]; Dense(32) on 4 channels
    # is 32·(4 + 1) = 160 parameters.
    code = (
        HEAD
        + "sizes = [64, 16, 32]\nsizes.sort()\ndel sizes[0]\ny = layers.Dense(sizes[0])(x)\nm = Model(x, y)\n"
    )
    assert numbers(code) == ((8, 8, 32), 160)


def test_a_positional_only_name_stays_free_for_kwargs() -> None:
    # def f(n, /, **kw): f(2, n=3) binds n = 2 and kw = {'n': 3} in Python; Dense(2) on 4 channels: 10.
    code = HEAD + "def f(n, /, **kw):\n    return n\ny = layers.Dense(f(2, n=3))(x)\nm = Model(x, y)\n"
    assert numbers(code) == ((8, 8, 2), 10)


@pytest.mark.parametrize(
    ("sizes", "out"),
    [
        # base_merge.py, _compute_elemwise_op_output_shape: `if i is None or j is None:
        # output_shape.append(None)`: an unknown length against 5 is unknown, not 5.
        ("None, 5", None),
        ("5, None", None),
        # `elif i == 1: append(j)` / `elif j == 1: append(i)`: 1 broadcasts to 5; None still wins.
        ("1, 5", 5),
        ("1, None", None),
        # The inputs are folded from the left: (3, None) gives None, and (None, 5) gives None, so
        # Keras never compares 3 with 5 and takes the layer.
        ("3, None, 5", None),
    ],
)
def test_merge_of_an_unknown_and_a_known_size_is_unknown_like_keras(sizes: str, out: int | None) -> None:
    # Add has no weights: 0 parameters; the channel axis 4 is known in every input.
    inputs = [f"layers.Input(({s}, 4))" for s in sizes.split(", ")]
    code = "from keras import layers, Model\n"
    code += "".join(f"i{n} = {text}\n" for n, text in enumerate(inputs))
    names = ", ".join(f"i{n}" for n in range(len(inputs)))
    code += f"y = layers.Add()([{names}])\nm = Model([{names}], y)\n"
    assert numbers(code) == ((out, 4), 0)


def test_merge_of_two_different_known_sizes_is_still_refused() -> None:
    # _compute_elemwise_op_output_shape: (3, 5) is compared before None comes in: ValueError
    # "Inputs have incompatible shapes".
    code = "from keras import layers, Model\na = layers.Input((3, 4))\nb = layers.Input((5, 4))\n"
    code += "c = layers.Input((None, 4))\ny = layers.Add()([a, b, c])\n"
    line, message, unsupported = fatal(code)
    assert (line, unsupported) == (24, False)
    assert "Add: inputs must have the same shape" in message
