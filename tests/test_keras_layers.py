"""Keras 3 arithmetic per layer class, checked against hand-computed numbers.

Each expected value is worked out in the comment next to it from Keras 3's
formulas (keras/src/ops/operation_utils.py and the layers' ``build``), not
copied from the code under test.
"""

from __future__ import annotations

import textwrap
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.generators.keras.extract import LayerReport, ModelReport, analyse_code


def model_of(code: str) -> ModelReport:
    (unit,) = analyse_code(textwrap.dedent(code))
    assert unit.accepted, unit.problems
    (model,) = unit.models
    return model


def last(code: str) -> LayerReport:
    return model_of(code).layers[-1]


def problems(code: str) -> list[str]:
    (unit,) = analyse_code(textwrap.dedent(code))
    assert not unit.models
    return [p.message for p in unit.problems if p.fatal]


def on(shape: str, layer: str) -> LayerReport:
    """The report of ``layer`` applied to an Input of ``shape``."""
    return last(f"x = tfkl.Input(shape={shape})\ny = tfkl.{layer}(x)\n")


# ---------------------------------------------------------------- convolutions


def test_conv2d_defaults_to_valid_padding_and_stride_1() -> None:
    conv = on("(32, 32, 3)", "Conv2D(16, 3)")
    assert conv.output_shape == (30, 30, 16)  # 32 - 3 + 1
    assert conv.params == 448  # 16·(3·3·3 + 1)
    assert conv.formula == "16·(3·3·3 + 1) = 448"


@pytest.mark.parametrize(
    ("args", "shape"),
    [
        ("8, 5, strides=2, padding='same'", (17, 17, 8)),  # ⌈33/2⌉
        ("8, 3, strides=2", (16, 16, 8)),  # ⌊(33 − 3)/2⌋ + 1
        ("8, (3, 5), strides=(1, 2)", (31, 15, 8)),  # 33 − 2; ⌊(33 − 5)/2⌋ + 1
    ],
)
def test_conv2d_strides_and_padding(args: str, shape: tuple[int, ...]) -> None:
    assert on("(33, 33, 3)", f"Conv2D({args})").output_shape == shape


def test_conv1d_and_causal_padding() -> None:
    assert on("(100, 8)", "Conv1D(16, 5)").output_shape == (96, 16)
    assert on("(100, 8)", "Conv1D(16, 5)").params == 656  # 16·(5·8 + 1)
    assert on("(100, 8)", "Conv1D(16, 5, padding='causal')").output_shape == (100, 16)


def test_conv3d() -> None:
    conv = on("(16, 16, 16, 1)", "Conv3D(4, 3)")
    assert conv.output_shape == (14, 14, 14, 4)
    assert conv.params == 112  # 4·(3·3·3·1 + 1)


def test_dilation_widens_the_kernel_not_the_weights() -> None:
    conv = on("(32, 32, 3)", "Conv2D(8, 3, dilation_rate=2)")
    assert conv.output_shape == (28, 28, 8)  # k_eff = 2·(3 − 1) + 1 = 5; 32 − 5 + 1
    assert conv.params == 224  # 8·(3·3·3 + 1)
    assert conv.rf == ((Fraction(5), Fraction(1)),) * 2


def test_strides_with_dilation_are_rejected() -> None:
    (message,) = problems(
        "x = tfkl.Input((32, 32, 3))\ny = tfkl.Conv2D(8, 3, strides=2, dilation_rate=2)(x)\n"
    )
    assert "dilation_rate" in message


def test_groups_split_the_input_channels() -> None:
    assert on("(32, 32, 8)", "Conv2D(16, 3, groups=4)").params == 304  # 16·(3·3·(8/4) + 1)
    (message,) = problems("x = tfkl.Input((32, 32, 6))\ny = tfkl.Conv2D(16, 3, groups=4)(x)\n")
    assert "not divisible by groups=4" in message


def test_no_bias() -> None:
    conv = on("(32, 32, 3)", "Conv2D(16, 3, use_bias=False)")
    assert conv.params == 432  # 16·3·3·3
    assert "no bias" in conv.formula


def test_valid_conv_larger_than_its_input_is_rejected() -> None:
    (message,) = problems("x = tfkl.Input((4, 4, 3))\ny = tfkl.Conv2D(8, 5)(x)\n")
    assert "smaller than the (dilated) kernel 5" in message


@pytest.mark.parametrize(
    ("args", "side"),
    [
        ("32, 3, strides=2, padding='same'", 16),  # 8·2
        ("32, 3, strides=2", 17),  # 8·2 + max(3 − 2, 0): 'valid' grows by the overhang
        ("32, 4, strides=2", 18),  # 8·2 + max(4 − 2, 0)
        ("32, 2, strides=2", 16),  # 8·2 + max(2 − 2, 0)
        ("32, 3", 10),  # 8·1 + max(3 − 1, 0)
        ("32, 3, strides=2, padding='same', output_padding=1", 16),  # (8 − 1)·2 + 3 − 2·1 + 1
        ("32, 3, strides=2, output_padding=1", 18),  # (8 − 1)·2 + 3 − 0 + 1
    ],
)
def test_conv2d_transpose_output_size(args: str, side: int) -> None:
    conv = on("(8, 8, 16)", f"Conv2DTranspose({args})")
    assert conv.output_shape == (side, side, 32)


def test_conv2d_transpose_params_and_receptive_field() -> None:
    conv = on("(8, 8, 16)", "Conv2DTranspose(32, 3, strides=2, padding='same')")
    assert conv.params == 4640  # 32·(3·3·16 + 1)
    # Read as upsampling ×2 then a 3×3 conv: j = 1/2, r = 1 + (3 − 1)·1/2 = 2.
    assert conv.rf == ((Fraction(2), Fraction(1, 2)),) * 2


def test_output_padding_must_be_smaller_than_strides() -> None:
    (message,) = problems(
        "x = tfkl.Input((8, 8, 3))\ny = tfkl.Conv2DTranspose(4, 3, strides=2, output_padding=2)(x)\n"
    )
    assert "output_padding" in message


def test_depthwise_conv2d_depth_multiplier() -> None:
    conv = on("(32, 32, 8)", "DepthwiseConv2D(3, depth_multiplier=2)")
    assert conv.output_shape == (30, 30, 16)
    assert conv.params == 160  # 3·3·8·2 + 8·2


def test_separable_conv2d_is_depthwise_plus_pointwise() -> None:
    conv = on("(32, 32, 16)", "SeparableConv2D(32, 3, padding='same')")
    assert conv.output_shape == (32, 32, 32)
    assert conv.params == 688  # 3·3·16 + 16·32 + 32


# ---------------------------------------------------------------- pooling and resizing


@pytest.mark.parametrize(
    ("args", "side"),
    [
        ("", 16),  # pool 2, stride 2
        ("pool_size=3", 10),  # stride defaults to 3: ⌊(32 − 3)/3⌋ + 1
        ("pool_size=3, strides=2", 15),  # ⌊(32 − 3)/2⌋ + 1
        ("pool_size=3, strides=2, padding='same'", 16),  # ⌈32/2⌉
        ("(2, 2), strides=1", 31),
    ],
)
def test_max_pooling2d_stride_defaults_to_pool_size(args: str, side: int) -> None:
    assert on("(32, 32, 8)", f"MaxPooling2D({args})").output_shape == (side, side, 8)


def test_pooling_1d_and_average() -> None:
    assert on("(100, 8)", "AveragePooling1D()").output_shape == (50, 8)
    assert on("(100, 8)", "MaxPooling1D(4)").output_shape == (25, 8)
    assert on("(32, 32, 8)", "AveragePooling2D(4)").output_shape == (8, 8, 8)


def test_pool_receptive_field() -> None:
    pool = on("(32, 32, 8)", "MaxPooling2D(pool_size=3, strides=2)")
    assert pool.rf == ((Fraction(3), Fraction(2)),) * 2


def test_global_pooling() -> None:
    assert on("(8, 8, 24)", "GlobalAveragePooling2D()").output_shape == (24,)
    assert on("(8, 8, 24)", "GlobalMaxPooling2D(keepdims=True)").output_shape == (1, 1, 24)
    assert on("(50, 24)", "GlobalMaxPooling1D()").output_shape == (24,)
    assert on("(8, 8, 24)", "GlobalAveragePooling2D()").rf is None


def test_upsampling_divides_the_jump() -> None:
    model = model_of(
        """
        x = tfkl.Input((32, 32, 1))
        y = tfkl.MaxPooling2D()(x)
        z = tfkl.UpSampling2D(size=(2, 3))(y)
        """
    )
    up = model.layers[-1]
    assert up.output_shape == (32, 48, 1)
    assert up.rf == ((Fraction(2), Fraction(1)), (Fraction(2), Fraction(2, 3)))


def test_zero_padding_and_cropping() -> None:
    assert on("(28, 28, 1)", "ZeroPadding2D()").output_shape == (30, 30, 1)
    assert on("(28, 28, 1)", "ZeroPadding2D(((1, 2), (3, 4)))").output_shape == (31, 35, 1)
    assert on("(28, 28, 1)", "Cropping2D(((2, 2), (4, 4)))").output_shape == (24, 20, 1)
    assert on("(28, 28, 1)", "ZeroPadding2D(2)").rf == ((Fraction(1), Fraction(1)),) * 2


# ---------------------------------------------------------------- core layers


def test_dense_acts_on_the_last_axis() -> None:
    assert on("(24,)", "Dense(64)").params == 1600  # 64·(24 + 1)
    dense = on("(10, 8)", "Dense(4)")
    assert dense.output_shape == (10, 4)
    assert dense.params == 36  # 4·(8 + 1)


def test_flatten_and_reshape() -> None:
    assert on("(4, 4, 64)", "Flatten()").output_shape == (1024,)
    assert on("(64,)", "Reshape((-1, 8))").output_shape == (8, 8)
    assert on("(1152,)", "Reshape((3, 3, 128))").output_shape == (3, 3, 128)
    (message,) = problems("x = tfkl.Input((10,))\ny = tfkl.Reshape((3, 3))(x)\n")
    assert "cannot reshape 10 values" in message


def test_parameter_free_layers_pass_the_shape_through() -> None:
    for layer in ("Dropout(0.5)", "SpatialDropout2D(0.2)", "Activation('relu')", "ReLU()", "LeakyReLU(0.1)"):
        report = on("(8, 8, 4)", layer)
        assert (report.output_shape, report.params) == ((8, 8, 4), 0)
    assert on("(20, 4)", "SpatialDropout1D(0.2)").output_shape == (20, 4)
    (message,) = problems("x = tfkl.Input((10,))\ny = tfkl.SpatialDropout2D(0.2)(x)\n")
    assert "SpatialDropout2D expects inputs" in message


@pytest.mark.parametrize(
    ("args", "trainable", "non_trainable"),
    [
        ("", 32, 32),  # γ, β trainable (2·16); moving mean/variance non-trainable (2·16)
        ("scale=False", 16, 32),
        ("center=False, scale=False", 0, 32),
    ],
)
def test_batch_normalization_keeps_moving_statistics_non_trainable(
    args: str, trainable: int, non_trainable: int
) -> None:
    bn = on("(32, 32, 16)", f"BatchNormalization({args})")
    assert (bn.trainable, bn.non_trainable) == (trainable, non_trainable)


def test_layer_normalization() -> None:
    ln = on("(10, 64)", "LayerNormalization()")
    assert (ln.trainable, ln.non_trainable) == (128, 0)  # γ, β of 64


def test_concatenate_adds_the_axis_and_merges_receptive_fields() -> None:
    model = model_of(
        """
        x = tfkl.Input((16, 16, 3))
        a = tfkl.Conv2D(8, 3, padding='same')(x)
        b = tfkl.Conv2D(4, 5, padding='same')(x)
        c = tfkl.Concatenate()([a, b])
        """
    )
    cat = model.layers[-1]
    assert cat.output_shape == (16, 16, 12)
    assert cat.rf == ((Fraction(5), Fraction(1)),) * 2  # the larger of 3 and 5
    assert cat.inputs == ("conv2d", "conv2d_1")


def test_concatenate_on_another_axis() -> None:
    model = model_of(
        """
        a = tfkl.Input((4, 8))
        b = tfkl.Input((6, 8))
        c = tfkl.Concatenate(axis=1)([a, b])
        m = tfk.Model([a, b], c)
        """
    )
    assert model.layers[-1].output_shape == (10, 8)


def test_concatenate_of_different_spatial_sizes_is_rejected() -> None:
    (message,) = problems(
        """
        x = tfkl.Input((16, 16, 3))
        a = tfkl.MaxPooling2D()(x)
        c = tfkl.Concatenate()([x, a])
        """
    )
    assert "matching shapes" in message
    assert "(None, 16, 16, 3), (None, 8, 8, 3)" in message


def test_add_needs_equal_shapes() -> None:
    model = model_of(
        """
        x = tfkl.Input((8, 8, 4))
        y = tfkl.Conv2D(4, 3, padding='same')(x)
        z = tfkl.Add()([x, y])
        """
    )
    assert model.layers[-1].output_shape == (8, 8, 4)
    (message,) = problems("x = tfkl.Input((8, 8, 4))\ny = tfkl.Conv2D(2, 1)(x)\nz = tfkl.Add()([x, y])\n")
    assert "same shape" in message


def test_embedding() -> None:
    emb = on("(20,)", "Embedding(1000, 64)")
    assert emb.output_shape == (20, 64)
    assert emb.params == 64000  # 1000·64


# ---------------------------------------------------------------- recurrent layers


def test_simple_rnn_and_return_sequences() -> None:
    rnn = on("(None, 8)", "SimpleRNN(16)")
    assert rnn.output_shape == (16,)
    assert rnn.params == 400  # 16·(8 + 16) + 16
    assert on("(None, 8)", "SimpleRNN(16, return_sequences=True)").output_shape == (None, 16)


def test_lstm_has_four_gates() -> None:
    assert on("(10, 8)", "LSTM(32)").params == 5248  # 4·(32·(8 + 32) + 32)


def test_gru_reset_after_is_true_by_default() -> None:
    assert on("(10, 8)", "GRU(32)").params == 4032  # 3·(32·(8 + 32) + 2·32)
    assert on("(10, 8)", "GRU(32, reset_after=False)").params == 3936  # 3·(32·(8 + 32) + 32)


@pytest.mark.parametrize(
    ("mode", "shape"),
    [("'concat'", (64,)), ("'sum'", (32,)), ("'mul'", (32,)), ("'ave'", (32,))],
)
def test_bidirectional_merge_modes(mode: str, shape: tuple[int, ...]) -> None:
    bi = on("(10, 8)", f"Bidirectional(tfkl.LSTM(32), merge_mode={mode})")
    assert bi.output_shape == shape
    assert bi.params == 10496  # 2·4·(32·(8 + 32) + 32)
    assert bi.name == "bidirectional"


def test_bidirectional_without_merge_has_two_outputs() -> None:
    bi = on("(10, 8)", "Bidirectional(tfkl.GRU(4, return_sequences=True), merge_mode=None)")
    assert bi.output_shapes == ((10, 4), (10, 4))


def test_lstm_return_state_unpacks() -> None:
    model = model_of(
        """
        x = tfkl.Input((None, 8))
        out, h, c = tfkl.LSTM(16, return_state=True)(x)
        y = tfkl.Concatenate()([h, c])
        """
    )
    assert model.layers[-1].output_shape == (32,)


# ---------------------------------------------------------------- inputs, names, code forms


def test_input_forms() -> None:
    assert on("(28, 28, 1)", "Flatten()").output_shape == (784,)
    assert last("x = tfkl.Input((28, 28, 1))\ny = tfkl.Flatten()(x)\n").output_shape == (784,)
    assert last("x = tfkl.Input(batch_shape=(None, 28, 28, 1))\ny = tfkl.Flatten()(x)\n").output_shape == (
        784,
    )


def test_keras2_input_shape_on_the_first_sequential_layer() -> None:
    model = model_of(
        """
        model = Sequential()
        model.add(Dense(32, input_shape=(784,)))
        model.add(Dense(10, input_dim=32))
        """
    )
    assert [layer.params for layer in model.layers] == [25120, 330]  # 32·(784 + 1), 10·(32 + 1)
    assert [layer.cls for layer in model.layers] == ["Dense", "Dense"]  # the InputLayer is hidden


def test_input_layer_with_keras2_arguments_in_sequential() -> None:
    for arg in ("input_shape=(8,)", "shape=(8,)", "batch_input_shape=(None, 8)"):
        model = model_of(f"model = Sequential()\nmodel.add(InputLayer({arg}))\nmodel.add(Dense(2))\n")
        assert [(r.cls, r.params) for r in model.layers] == [("Dense", 18)]


def test_sequential_list_and_input_layer() -> None:
    model = model_of(
        """
        model = keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ])
        """
    )
    # The Keras 3 MNIST convnet example: 320 + 54,090 = 54,410 parameters.
    assert model.total == 54410
    assert model.layers[0].output_shape == (26, 26, 32)


def test_default_names_follow_keras() -> None:
    model = model_of(
        """
        x = tf.keras.Input((16, 16, 3))
        y = tf.keras.layers.Conv2D(4, 3)(x)
        y = tf.keras.layers.Conv2D(4, 3)(y)
        y = tf.keras.layers.BatchNormalization()(y)
        y = tf.keras.layers.Conv2DTranspose(4, 3)(y)
        y = tf.keras.layers.MaxPool2D()(y)
        y = tf.keras.layers.GlobalAveragePooling2D(name='gap')(y)
        """
    )
    assert [(r.name, r.cls) for r in model.layers] == [
        ("input_layer", "InputLayer"),
        ("conv2d", "Conv2D"),
        ("conv2d_1", "Conv2D"),
        ("batch_normalization", "BatchNormalization"),
        ("conv2d_transpose", "Conv2DTranspose"),
        ("max_pooling2d", "MaxPooling2D"),
        ("gap", "GlobalAveragePooling2D"),
    ]


@pytest.mark.parametrize(
    "imports",
    [
        "from tensorflow.keras import layers as L",
        "import tensorflow.keras.layers as L",
        "from keras import layers as L",
        "import keras\nL = keras.layers",
    ],
)
def test_import_aliases(imports: str) -> None:
    model = model_of(f"{imports}\nx = L.Input((8,))\ny = L.Dense(2)(x)\n")
    assert model.total == 18


def test_from_import_of_layer_classes() -> None:
    model = model_of(
        """
        from keras.layers import Dense as D, Input
        from keras.models import Model
        i = Input(shape=(8,))
        o = D(2)(i)
        m = Model(inputs=i, outputs=o)
        """
    )
    assert model.total == 18


def test_constants_arithmetic_and_loops() -> None:
    model = model_of(
        """
        nb_filters = 8
        pool_size = (2, 2)
        input_shape = (64, 64, 3)
        model = Sequential()
        model.add(Conv2D(nb_filters, (3, 3), input_shape=input_shape, padding='same'))
        for i in range(2):
            model.add(Conv2D(nb_filters * (i + 2), (3, 3), padding='same'))
            model.add(MaxPooling2D(pool_size=pool_size))
        """
    )
    assert [r.output_shape for r in model.layers][-1] == (16, 16, 24)
    assert model.layers[1].params == 16 * (9 * 8 + 1)


def test_trainable_false_freezes_the_weights() -> None:
    dense = on("(4,)", "Dense(2, trainable=False)")
    assert (dense.trainable, dense.non_trainable) == (0, 10)


def test_functional_model_lists_layers_in_definition_order_and_only_its_own() -> None:
    model = model_of(
        """
        inp = tfkl.Input((8,))
        a = tfkl.Dense(4, name='a')(inp)
        b = tfkl.Dense(3, name='b')(inp)
        c = tfkl.Concatenate(name='c')([a, b])
        unused = tfkl.Dense(99)(c)
        model = tfk.Model(inputs=inp, outputs=c)
        """
    )
    assert [r.name for r in model.layers] == ["input_layer", "a", "b", "c"]
    assert model.total == 36 + 27


def test_functions_that_build_models_are_followed() -> None:
    model = model_of(
        """
        def build(shape, classes=10):
            inputs = tfk.Input(shape=shape)
            x = tfkl.Flatten()(inputs)
            outputs = tfkl.Dense(classes)(x)
            return tfk.Model(inputs, outputs)

        model = build((28, 28, 1))
        """
    )
    assert model.total == 7850  # 10·(784 + 1)


# ---------------------------------------------------------------- rejected code


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "x = tfkl.Input((8, 8, 1))\ny = tfkl.Conv2D(filters=4, kernel=(3, 3))(x)\n",
            "unknown argument 'kernel'",
        ),
        ("x = tfkl.Input((8,))\ny = tfkl.Dense(2, colour='red')(x)\n", "unknown argument 'colour'"),
        ("y = tfkl.Dense(2)(pool2)\n", "name 'pool2' is not defined"),
        ("x = tfkl.Input((8,))\ny = tfkl.Flatten(x)\n", "got a tensor as its 'data_format' argument"),
        ("x = tfkl.Input((8,))\ny = tfkl.Dense(2)(x)\nz = tfkl.Dense(3)\n", "is created but never called"),
        (
            "x = tfkl.Input((8,))\ny = tfkl.Dense(2, name='d')(x)\nz = tfkl.Dense(2, name='d')(y)\n",
            "used twice",
        ),
        ("x = tfkl.Input((8,))\ny = tfkl.Dense()(x)\n", "missing the required argument 'units'"),
        ("x = tfkl.Input((8,\ny = tfkl.Dense(2)(x)\n", "syntax error"),
        ("model = Sequential()\nmodel.add(Dense)\n", "needs a layer instance"),
        ("a = tfkl.Input((8,))\nb = tfkl.Input((8,))\nm = tfk.Model(a, tfkl.Dense(2)(b))\n", "not among"),
    ],
)
def test_code_keras_rejects_gives_a_problem_and_no_model(code: str, expected: str) -> None:
    messages = problems(code)
    assert any(expected in m for m in messages), messages


def test_misspelt_argument_is_reported_but_later_layers_still_get_numbers() -> None:
    (unit,) = analyse_code(
        "x = tfkl.Input((8, 8, 1))\ny = tfkl.Conv2D(filters=4, kernel=(3, 3))(x)\n", line=10
    )
    assert not unit.accepted and not unit.models
    assert unit.problems[0].line == 11
    assert unit.layers[-1].params == 40  # read as kernel_size: 4·(3·3·1 + 1)


def test_sequential_without_input_shape_is_valid_but_has_no_numbers() -> None:
    (unit,) = analyse_code("model = tfk.Sequential()\nmodel.add(tfkl.Dense(1))\n")
    assert unit.accepted and not unit.problems and not unit.models
    built = "model = Sequential()\nmodel.add(Dense(2))\nmodel.build((None, 4))\n"
    assert model_of(built).total == 10  # 2·(4 + 1)


def test_trailing_annotations_are_read_as_comments() -> None:
    (unit,) = analyse_code(
        "model = Sequential()\nmodel.add(Dense(4, input_shape=(8,))) 4x4\nmodel.add(Dense(2))\n", line=5
    )
    assert unit.accepted
    assert unit.models[0].total == 36 + 10
    (problem,) = unit.problems
    assert (problem.line, problem.fatal) == (6, False)
    assert "'4x4' after the statement is not Python" in problem.message


# ---------------------------------------------------------------- never a crash

_FRAGMENTS = [
    "x = tfkl.Input((8, 8, 3))",
    "x = tfkl.Input(shape=(None, 4))",
    "y = tfkl.Conv2D(4, 3, padding='same')(x)",
    "y = tfkl.Conv2DTranspose(2, 3, strides=2)(y)",
    "y = tfkl.MaxPooling2D()(y)",
    "z = tfkl.Concatenate()([x, y])",
    "z = tfkl.Add()([y, y])",
    "y = tfkl.LSTM(3, return_sequences=True)(x)",
    "y = tfkl.Bidirectional(tfkl.GRU(2))(x)",
    "y = tfkl.Flatten()(y)",
    "y = tfkl.Dense(n)(y)",
    "y = tfkl.Reshape((-1, 2))(y)",
    "n = 3 * 2",
    "n = n // 0",
    "model = Sequential()",
    "model.add(Dense(2, input_shape=(4,)))",
    "model.add(Conv2D(2, 3))",
    "model.add(x)",
    "m = tfk.Model(x, y)",
    "m = tfk.Model(inputs=[x], outputs=[y, z])",
    "for i in range(3):\n    y = tfkl.Dense(i + 1)(y)",
    "def f(a):\n    return tfkl.Dense(2)(a)",
    "y = f(x)",
    "y = tfkl.Dense(2)",
    "y = y(y)",
    "x, y = y",
    "if n:\n    y = x",
    "y = tfkl.Dense(2)(x) 2x2",
    "y = tfkl.Conv2D(filters=2, kernel=3)(x)",
    "y = tfkl.Dropout(2)(x)",
    "while n < 5:\n    n += 1\n    y = tfkl.Dense(n)(y)",
    "for i in range(9):\n    if i > 2:\n        break\n    continue",
    "ys = [tfkl.Dense(k)(x) for k in (1, 2) if k]",
    "z = tfkl.concatenate(ys)",
    "cfg = {'units': 2, **{'name': f'd{n}'}}",
    "y = tfkl.Dense(**cfg)(y)",
    "s = '{:{}}'.format('a', 10**9)",
    "s = '%*d' % (10**9, 1)",
    "r = range(10**12)",
    "y = shared(x)",
    "shared = tfkl.Dense(2)",
    "m = model(x)",
    "model.trainable = False",
    "x = ...",
    "def g(*a, k=1, **kw):\n    return a, kw",
    "y = g(x, k=2, z=3)",
    "y = tfkl.TimeDistributed(tfkl.Dense(2))(x)",
    "break",
    "return y",
    "class Net(tfk.Model):\n    pass",
    "net = Net()",
    "y = x.shape[1:]",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=8), st.text(max_size=40))
def test_any_mix_of_keras_code_and_junk_analyses_without_raising(lines: list[str], junk: str) -> None:
    for code in ("\n".join(lines) + "\n", "\n".join([*lines, junk]) + "\n"):
        for unit in analyse_code(code):
            if unit.accepted:
                for model in unit.models:
                    assert model.total == sum(layer.params for layer in model.layers)
            else:
                assert all(p.message for p in unit.problems)


# ---------------------------------------------------------------- formulas written once


def test_a_formula_evaluates_and_prints_itself() -> None:
    from cards.generators.keras.formula import largest, lit, product

    assert (lit(16) * (product(5, 5, 3) + 1)).shown() == "16·(5·5·3 + 1) = 1,216"
    assert ((lit(32) - 3).floor_div(1) + 1).shown(thousands=False) == "⌊(32 − 3)/1⌋ + 1 = 30"
    assert (lit(8) * 2 + largest(lit(3) - 2, 0)).shown() == "8·2 + max(3 − 2, 0) = 17"


def test_the_shape_note_of_a_dilated_transposed_conv_agrees_with_its_size() -> None:
    conv = on("(8, 8, 2)", "Conv2DTranspose(2, 3, dilation_rate=2)")
    # k_eff = 2·(3 − 1) + 1 = 5; 'valid': 8·1 + max(5 − 1, 0) = 12 (the note once said 3 − 1 and 10)
    assert conv.output_shape == (12, 12, 2)
    assert conv.shape_note == "'valid' padding: 8·1 + max(5 − 1, 0) = 12 per axis"


@pytest.mark.parametrize(
    ("shape", "layer", "formula", "params"),
    [
        # One slope per input value; shared axes keep one: (8, 8, 4) shared on 1, 2 → 1·1·4.
        ("(5, 3)", "PReLU()", "5·3 = 15 (one slope each)", 15),
        ("(8, 8, 4)", "PReLU(shared_axes=[1, 2])", "1·1·4 = 4 (one slope each)", 4),
        ("(40, 40, 300)", "PReLU()", "40·40·300 = 480,000 (one slope each)", 480000),
        # Mean and variance per kept axis, plus one count: 2·3 + 1; axis=None keeps nothing: 2·1 + 1.
        (
            "(8, 8, 3)",
            "Normalization()",
            "2·3 + 1 = 7: mean and variance per channel, and a count (non-trainable)",
            7,
        ),
        (
            "(8, 8, 3)",
            "Normalization(axis=None)",
            "2·1 + 1 = 3: mean and variance per channel, and a count (non-trainable)",
            3,
        ),
        (
            "(8, 3000)",
            "Normalization(axis=(1, 2))",
            "2·8·3000 + 1 = 48,001: mean and variance per channel, and a count (non-trainable)",
            48001,
        ),
        # γ and β per normalised value; rms_scaling drops β.
        ("(10, 64)", "LayerNormalization()", "2·64 = 128 (γ, β learned)", 128),
        ("(10, 64)", "LayerNormalization(rms_scaling=True)", "1·64 = 64 (γ learned)", 64),
        ("(10, 64)", "LayerNormalization(center=False, scale=False)", "0·64 = 0 (nothing learned)", 0),
        ("(10, 6, 4)", "LayerNormalization(axis=[-2, -1])", "2·24 = 48 (γ, β learned)", 48),
        # LSTM 4·(64·(64 + 64) + 64) = 33,024 per direction.
        (
            "(10, 64)",
            "Bidirectional(LSTM(64))",
            "2·33,024 = 66,048 (forward and backward LSTM: 4·(64·(64 + 64) + 64) = 33,024)",
            66048,
        ),
        # LSTM 4·(512·(300 + 512) + 512) = 1,665,024; GRU 3·(256·(300 + 256) + 2·256) = 428,544.
        (
            "(10, 300)",
            "Bidirectional(LSTM(512), backward_layer=GRU(256, go_backwards=True))",
            "1,665,024 + 428,544 = 2,093,568",
            2093568,
        ),
    ],
)
def test_parameter_formulas_of_normalisation_prelu_and_bidirectional(
    shape: str, layer: str, formula: str, params: int
) -> None:
    report = on(shape, layer)
    assert report.formula == formula
    assert report.params == params
