"""Keras model code as people write it: control flow, helpers, containers, and honest refusals.

Every expected number is worked by hand in the comment beside it from Keras 3's
formulas; none is copied from the code under test. The "real code" cases are
written in our own words after public tutorials, course repositories and the
Keras documentation (the source is named above each one).
"""

from __future__ import annotations

import textwrap

import pytest

from cards.generators.keras.extract import ModelReport, UnitAnalysis, analyse_code


def unit_of(code: str) -> UnitAnalysis:
    (unit,) = analyse_code(textwrap.dedent(code))
    return unit


def models_of(code: str) -> tuple[ModelReport, ...]:
    unit = unit_of(code)
    assert unit.accepted, unit.problems
    return unit.models


def model_of(code: str) -> ModelReport:
    (model,) = models_of(code)
    return model


def refused(code: str) -> str:
    """The one fatal problem of code notedeck cannot follow: never 'Keras would reject'."""
    unit = unit_of(code)
    assert not unit.models
    (problem,) = [p for p in unit.problems if p.fatal]
    assert problem.unsupported, problem
    assert problem.message.startswith("notedeck cannot follow"), problem.message
    return problem.message


# ---------------------------------------------------------------- never a wrong number


def test_an_if_notedeck_cannot_decide_makes_the_model_not_analysed() -> None:
    # The layer under `if deep` may or may not exist: 121 or 121 + 512·(… ) would be a guess.
    message = refused(
        """
        deep = load_setting()
        model = Sequential()
        model.add(Dense(10, input_shape=(10,)))
        if deep:
            model.add(Dense(512))
        model.add(Dense(1))
        """
    )
    assert message == "notedeck cannot follow `if deep:` (line 5): whether the condition holds is not known"


def test_an_if_that_can_be_decided_is_followed() -> None:
    model = model_of(
        """
        deep = False
        model = Sequential()
        model.add(Dense(10, input_shape=(10,)))
        if deep:
            model.add(Dense(512))
        elif 3 > 2 and not deep:
            model.add(Dense(2))
        model.add(Dense(1))
        """
    )
    # 10·(10 + 1) + 2·(10 + 1) + 1·(2 + 1) = 110 + 22 + 3
    assert model.total == 135


def test_an_undecidable_if_that_only_prints_or_sets_names_is_harmless() -> None:
    model = model_of(
        """
        import sys
        verbose = "-v" in sys.argv
        if verbose:
            print("building")
            note = "verbose"
        model = Sequential([Input((4,)), Dense(3)])
        """
    )
    assert model.total == 15  # 3·(4 + 1)


def test_a_name_set_under_an_undecidable_if_cannot_size_a_layer() -> None:
    message = refused(
        """
        import os
        if os.environ.get("BIG"):
            units = 512
        else:
            units = 64
        model = Sequential([Input((4,)), Dense(units)])
        """
    )
    assert "'units' is set under `if os.environ.get('BIG'):` (line 3)" in message


def test_break_stops_the_loop() -> None:
    # Two convolutions, not three: the loop stops when filters reach 32.
    model = model_of(
        """
        inputs = keras.Input((28, 28, 1))
        x = inputs
        for filters in [16, 32, 64]:
            x = layers.Conv2D(filters, 3, padding="same")(x)
            if filters == 32:
                break
        model = keras.Model(inputs, x)
        """
    )
    convs = [layer for layer in model.layers if layer.cls == "Conv2D"]
    assert [c.params for c in convs] == [160, 4640]  # 16·(9·1 + 1); 32·(9·16 + 1)


def test_continue_and_for_else() -> None:
    model = model_of(
        """
        model = Sequential([Input((8,))])
        for i in range(4):
            if i % 2:
                continue
            model.add(Dense(i + 1))
        else:
            model.add(Dense(5))
        """
    )
    # Dense(1) on 8: 9; Dense(3) on 1: 6; Dense(5) on 3: 20
    assert [layer.params for layer in model.layers] == [9, 6, 20]


def test_while_with_a_decidable_bound() -> None:
    model = model_of(
        """
        inputs = Input((32, 32, 3))
        x, size = inputs, 32
        while size > 8:
            x = Conv2D(8, 3, padding="same")(x)
            x = MaxPooling2D()(x)
            size //= 2
        model = Model(inputs, x)
        """
    )
    assert model.layers[-1].output_shape == (8, 8, 8)  # 32 → 16 → 8: two blocks
    assert model.total == 224 + 584  # 8·(9·3 + 1) + 8·(9·8 + 1)


def test_a_loop_over_data_notedeck_cannot_know_is_refused() -> None:
    message = refused(
        """
        model = Sequential([Input((8,))])
        for units in config["hidden"]:
            model.add(Dense(units))
        """
    )
    assert message == (
        "notedeck cannot follow `for … in config['hidden']:` (line 3): "
        "the items the loop goes through are not known"
    )


def test_a_while_without_a_known_end_is_refused() -> None:
    message = refused(
        """
        model = Sequential([Input((8,))])
        while model_is_small(model):
            model.add(Dense(8))
        """
    )
    assert "model_is_small" in message


def test_comprehensions_dicts_and_fstrings() -> None:
    model = model_of(
        """
        sizes = {"first": 16, "second": 8}
        hidden = [Dense(n, name=f"hidden_{key}") for key, n in sizes.items()]
        model = Sequential([Input((4,)), *hidden, Dense(1, name=f"out_{len(hidden)}")])
        """
    )
    assert [layer.name for layer in model.layers] == ["hidden_first", "hidden_second", "out_2"]
    assert model.total == 80 + 136 + 9  # 16·(4 + 1); 8·(16 + 1); 1·(8 + 1)


def test_kwargs_dicts_and_star_args() -> None:
    model = model_of(
        """
        conv_args = {"kernel_size": 3, "padding": "same", "activation": "relu"}
        shape = (16, 16, 3)
        inputs = Input(shape)
        x = Conv2D(8, **conv_args)(inputs)
        x = Conv2D(*[4, 1])(x)
        model = Model(inputs, x)
        """
    )
    assert model.total == 224 + 36  # 8·(3·3·3 + 1); 4·(1·1·8 + 1)


def test_helper_functions_with_defaults_keyword_only_arguments_and_closures() -> None:
    model = model_of(
        """
        def make_block(filters, *, kernel=3, pool=True):
            def block(x):
                x = Conv2D(filters, kernel, padding="same")(x)
                return MaxPooling2D()(x) if pool else x
            return block

        inputs = Input((16, 16, 1))
        x = make_block(4)(inputs)
        x = make_block(8, kernel=1, pool=False)(x)
        model = Model(inputs, x)
        """
    )
    assert model.layers[-1].output_shape == (8, 8, 8)
    assert model.total == 40 + 40  # 4·(3·3·1 + 1); 8·(1·1·4 + 1)


def test_a_wrapper_passing_on_args_and_kwargs() -> None:
    # After a "simple models" module of a course repository: a Dense factory with **kwargs.
    model = model_of(
        """
        def dense_layer(use_bias, *args, **kwargs):
            kwargs["use_bias"] = use_bias
            return Dense(*args, **kwargs)

        model = Sequential()
        model.add(Input((10,)))
        model.add(dense_layer(False, 4, activation="relu"))
        model.add(dense_layer(True, units=2))
        """
    )
    assert model.total == 40 + 10  # 4·10 (no bias); 2·(4 + 1)


def test_an_unknown_function_receiving_the_model_is_refused() -> None:
    message = refused(
        """
        model = Sequential([Input((8,)), Dense(4)])
        add_hidden_layers(model)
        model.add(Dense(1))
        """
    )
    assert message == (
        "notedeck cannot follow `add_hidden_layers(model)` (line 3): "
        "it hands layers or models to code notedeck does not have"
    )


def test_the_step_limit_refuses_rather_than_guessing() -> None:
    message = refused(
        """
        n = 0
        while n < 10**6:
            n += 1
        model = Sequential([Input((8,)), Dense(n)])
        """
    )
    assert "`while n < 10 ** 6:`" in message and "when the loop ends is not known" in message


# ---------------------------------------------------------------- honest messages


@pytest.mark.parametrize(
    "code",
    [
        "base = tf.keras.applications.MobileNetV2(include_top=False)\ninp = Input((96, 96, 3))\n"
        "x = base(inp)\nout = Dense(2)(x)\nmodel = Model(inp, out)\n",
        "x = Input((8,))\ny = Dense(get_units())(x)\nmodel = Model(x, y)\n",
        "class Block(keras.layers.Layer):\n    pass\nx = Input((8,))\ny = Block()(x)\nmodel = Model(x, y)\n",
        "from mylib import *\nx = Input((8,))\ny = my_block(x)\nz = Dense(2)(y)\nmodel = Model(x, z)\n",
    ],
)
def test_code_notedeck_cannot_follow_never_claims_keras_would_reject_it(code: str) -> None:
    refused(code)


def test_keras_errors_are_still_reported_as_keras_errors() -> None:
    unit = unit_of("x = Input((8,))\ny = Dense(2, colour='red')(x)\n")
    (problem,) = unit.problems
    assert not problem.unsupported and "unknown argument 'colour'" in problem.message


def test_generator_message_says_the_code_may_be_valid() -> None:
    from cards.generators import GeneratorOptions
    from cards.generators.keras import KerasExercises
    from cards.model import CodeBlock

    code = "import settings\nmodel = Sequential([Input((8,))])\nif settings.flag:\n    model.add(Dense(2))\n"
    block = CodeBlock(code=code, language="python", line=10, chapter=(), after="")
    generated = KerasExercises().generate([block], source="n.md", deck="D", options=GeneratorOptions())
    (warning,) = generated.warnings
    assert warning.line == 13
    assert warning.message == (
        "notedeck cannot follow `if settings.flag:` (line 13): whether the condition holds is not known — "
        "the code may well be valid, but it gets no exercise cards"
    )
    assert not generated.cards


# ---------------------------------------------------------------- Keras' helpers and aliases


def test_unet_with_lower_case_concatenate() -> None:
    # After a public U-Net training script: Conv2DTranspose(k=2, s=2) then concatenate([u, c]).
    model = model_of(
        """
        from keras.layers import Input, Conv2D, MaxPooling2D, concatenate, Conv2DTranspose
        from keras.models import Model

        inputs = Input((64, 64, 3))
        c1 = Conv2D(16, (3, 3), activation="relu", padding="same")(inputs)
        p1 = MaxPooling2D((2, 2))(c1)
        c2 = Conv2D(32, (3, 3), activation="relu", padding="same")(p1)
        u3 = Conv2DTranspose(16, (2, 2), strides=(2, 2), padding="same")(c2)
        u3 = concatenate([u3, c1])
        c3 = Conv2D(16, (3, 3), activation="relu", padding="same")(u3)
        outputs = Conv2D(1, (1, 1), activation="sigmoid")(c3)
        model = Model(inputs=[inputs], outputs=[outputs])
        """
    )
    by_name = {layer.name: layer for layer in model.layers}
    assert by_name["concatenate"].output_shape == (64, 64, 32)  # 16 + 16 channels
    assert by_name["conv2d_transpose"].params == 2064  # 16·(2·2·32 + 1)
    # 448 + 4,640 + 2,064 + 4,624 + 17: 16·(27+1), 32·(144+1), 16·(128+1), 16·(288+1), 1·(16+1)
    assert model.total == 11793


@pytest.mark.parametrize(
    ("helper", "shape", "params"),
    [
        ("concatenate([a, b], axis=-1)", (8,), 0),
        ("layers.add([a, b])", (4,), 0),
        ("layers.multiply([a, b])", (4,), 0),
        ("layers.average([a, b])", (4,), 0),
        ("layers.maximum([a, b])", (4,), 0),
        ("layers.subtract([a, b])", (4,), 0),
        ("layers.dot([a, b], axes=1)", (1,), 0),
    ],
)
def test_functional_merge_helpers(helper: str, shape: tuple[int, ...], params: int) -> None:
    model = model_of(
        f"i = Input((4,))\na = Dense(4)(i)\nb = Dense(4)(i)\nm = {helper}\nmodel = Model(i, m)\n"
    )
    assert model.layers[-1].output_shape == shape
    assert model.total == 40 + params  # two Dense(4) on 4: 2·4·(4 + 1)


def test_star_import_and_module_alias() -> None:
    model = model_of(
        """
        import tensorflow.keras as K
        from tensorflow.keras.layers import *

        inputs = K.Input(shape=(10,))
        x = Dense(5)(inputs)
        y = K.layers.Dense(2)(x)
        model = K.Model(inputs, y)
        """
    )
    assert model.total == 55 + 12  # 5·(10 + 1); 2·(5 + 1)


def test_keras_input_inside_a_sequential_list() -> None:
    model = model_of("model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])\n")
    assert model.total == 8  # 2·(3 + 1)


def test_models_held_in_a_list_and_a_dict_with_fstring_names() -> None:
    models = models_of(
        """
        model = [None] * 2
        for j in range(2):
            model[j] = Sequential(name=f"net_{j}")
            model[j].add(Input((4,)))
            for k in range(j + 1):
                model[j].add(Dense(2, name=f"d{j}_{k}"))
        heads = {}
        for name, units in [("a", 3)]:
            heads[name] = Sequential([Input((2,)), Dense(units)])
        """
    )
    assert [(m.name, m.total) for m in models] == [
        ("net_0", 10),  # 2·(4 + 1)
        ("net_1", 16),  # 10 + 2·(2 + 1)
        ("sequential", 9),  # 3·(2 + 1)
    ]


def test_layers_collected_in_a_list_by_a_loop_then_concatenated() -> None:
    model = model_of(
        """
        inputs = Input((20, 8))
        convs = []
        for k in (2, 3, 4):
            c = Conv1D(4, k, padding="same")(inputs)
            convs.append(GlobalMaxPooling1D()(c))
        merged = Concatenate()(convs)
        model = Model(inputs, Dense(1)(merged))
        """
    )
    # Conv1D(4, k) on 8 channels: 4·(8k + 1) = 68, 100, 132; Dense(1) on 12: 13
    assert model.total == 68 + 100 + 132 + 13


def test_a_shared_layer_is_one_row_with_one_set_of_weights() -> None:
    model = model_of(
        """
        a = Input((8,))
        b = Input((8,))
        shared = Dense(4, name="shared")
        merged = concatenate([shared(a), shared(b)])
        model = Model([a, b], Dense(1)(merged))
        """
    )
    assert [layer.name for layer in model.layers].count("shared") == 1
    assert model.total == 36 + 9  # 4·(8 + 1) once; 1·(8 + 1)


def test_a_shared_layer_on_inputs_of_another_size_is_rejected_like_keras() -> None:
    unit = unit_of("a = Input((8,))\nb = Input((3,))\nd = Dense(2)\nx = d(a)\ny = d(b)\n")
    (problem,) = [p for p in unit.problems if p.fatal]
    assert not problem.unsupported and "shared" in problem.message


def test_a_sequential_used_as_a_layer_is_counted_once() -> None:
    models = models_of(
        """
        encoder = Sequential([Input((8,)), Dense(4), Dense(2)], name="encoder")
        a = Input((8,))
        b = Input((8,))
        out = layers.subtract([encoder(a), encoder(b)])
        siamese = Model([a, b], Dense(1)(out), name="siamese")
        """
    )
    encoder, siamese = models
    assert encoder.total == 36 + 10  # 4·(8 + 1); 2·(4 + 1)
    rows = {layer.name: layer for layer in siamese.layers}
    assert rows["encoder"].cls == "Sequential" and rows["encoder"].params == 46
    assert siamese.total == 46 + 3  # the encoder once; 1·(2 + 1)


def test_transfer_learning_freezes_a_nested_model() -> None:
    _, model = models_of(
        """
        base = Sequential([Input((4,)), Dense(8)])
        base.trainable = False
        inputs = Input((4,))
        outputs = Dense(1)(base(inputs))
        model = Model(inputs, outputs)
        """
    )
    assert (model.trainable, model.non_trainable) == (9, 40)  # 1·(8 + 1); 8·(4 + 1) frozen


def test_time_distributed_cnn_lstm() -> None:
    # After a video-classification tutorial: TimeDistributed convolutions in front of an LSTM.
    model = model_of(
        """
        model = Sequential([
            TimeDistributed(Conv2D(8, (3, 3), activation="relu"), input_shape=(None, 16, 16, 3)),
            TimeDistributed(MaxPooling2D((2, 2))),
            TimeDistributed(Flatten()),
            LSTM(4),
            Dense(2, activation="softmax"),
        ])
        """
    )
    shapes = [layer.output_shape for layer in model.layers]
    assert shapes[:3] == [(None, 14, 14, 8), (None, 7, 7, 8), (None, 392)]
    # Conv 8·(27 + 1) = 224; LSTM 4·(4·(392 + 4) + 4) = 6,352; Dense 2·(4 + 1) = 10
    assert model.total == 224 + 6352 + 10


def test_time_distributed_dense_keeps_the_time_axis() -> None:
    model = model_of("model = Sequential()\nmodel.add(TimeDistributed(Dense(12), input_shape=(10, 16)))\n")
    assert model.layers[0].output_shape == (10, 12) and model.total == 204  # 12·(16 + 1)


def test_rescaling_normalization_and_activations_with_weights() -> None:
    model = model_of(
        """
        inputs = Input((8, 8, 3))
        x = layers.Rescaling(1.0 / 255)(inputs)
        x = layers.Normalization()(x)
        x = layers.Conv2D(4, 3)(x)
        x = layers.PReLU(shared_axes=[1, 2])(x)
        x = layers.ELU()(x)
        x = layers.LeakyReLU(negative_slope=0.1)(x)
        model = Model(inputs, x)
        """
    )
    params = {layer.cls: (layer.trainable, layer.non_trainable) for layer in model.layers}
    assert params["Rescaling"] == (0, 0)
    assert params["Normalization"] == (0, 7)  # mean 3 + variance 3 + count 1
    assert params["PReLU"] == (4, 0)  # slopes over (6, 6, 4) shared on axes 1, 2 → 1·1·4
    assert params["ELU"] == params["LeakyReLU"] == (0, 0)


def test_normalization_with_given_statistics_has_no_weights() -> None:
    model = model_of(
        "i = Input((3,))\nx = layers.Normalization(mean=0.5, variance=2.0)(i)\nm = Model(i, x)\n"
    )
    assert model.total == 0


def test_pooling_3d() -> None:
    model = model_of(
        """
        inputs = Input((8, 16, 16, 2))
        x = MaxPooling3D((2, 2, 2))(inputs)
        x = AveragePooling3D(pool_size=(1, 2, 2), strides=1)(x)
        model = Model(inputs, x)
        """
    )
    # 8·16·16 → 4·8·8 (stride = pool); valid, stride 1: (4 − 1 + 1, 8 − 2 + 1, 8 − 2 + 1)
    assert [layer.output_shape for layer in model.layers[1:]] == [(4, 8, 8, 2), (4, 7, 7, 2)]


def test_prelu_without_shared_axes_learns_one_slope_per_value() -> None:
    model = model_of("i = Input((5, 3))\nx = layers.PReLU()(i)\nm = Model(i, x)\n")
    assert model.total == 15  # 5·3


def test_a_subclassed_model_is_named_and_other_models_still_count() -> None:
    unit = unit_of(
        """
        class Net(keras.Model):
            def call(self, x):
                return x
        net = Net()
        small = Sequential([Input((4,)), Dense(2)])
        """
    )
    (problem,) = unit.problems
    assert not problem.fatal and problem.line == 2 and "subclassed model or layer Net" in problem.message
    assert [m.total for m in unit.models] == [10]  # 2·(4 + 1)


def test_intermediate_tensors_as_model_inputs_are_not_called_a_keras_error() -> None:
    # Keras 3 accepts them (it clones the graph from there); notedeck does not follow that.
    message = refused("a = Input((8,))\nb = Dense(4)(a)\nc = Dense(2)(b)\nm = Model(b, c)\n")
    assert "inputs are not Input" in message


@pytest.mark.parametrize(
    ("stray", "expected"),
    [("break", "'break' or 'continue' outside a loop"), ("return 3", "'return' outside a function")],
)
def test_stray_break_or_return_is_pythons_syntax_error_not_a_crash(stray: str, expected: str) -> None:
    unit = unit_of(f"model = Sequential([Input((4,)), Dense(2)])\n{stray}\n")
    (problem,) = unit.problems
    assert expected in problem.message and not problem.unsupported and problem.line == 2


def test_build_with_a_keyword_input_shape() -> None:
    model = model_of("model = Sequential([Dense(2)])\nmodel.build(input_shape=(None, 4))\n")
    assert model.total == 10  # 2·(4 + 1)


def test_lambdas_made_in_a_comprehension_see_its_variable() -> None:
    model = model_of(
        """
        makers = [lambda x, k=k: Dense(k)(x) for k in (2, 3)]
        i = Input((4,))
        model = Model(i, makers[1](makers[0](i)))
        """
    )
    assert model.total == 10 + 9  # 2·(4 + 1); 3·(2 + 1)


def test_concatenating_along_a_spatial_axis_has_no_position_wise_field() -> None:
    model = model_of(
        """
        i = Input((8, 8, 1))
        a = Conv2D(1, 3, padding="same")(i)
        b = Conv2D(1, 5, padding="same")(i)
        c = Concatenate(axis=1)([a, b])
        d = Concatenate()([a, b])
        model = Model(i, [c, d])
        """
    )
    by_class = [layer for layer in model.layers if layer.cls == "Concatenate"]
    assert by_class[0].output_shape == (16, 8, 1) and by_class[0].rf is None
    assert by_class[1].rf is not None and by_class[1].rf[0][0] == 5  # the union of 3 and 5 centred fields


def test_a_loop_over_a_dict_of_layer_sizes() -> None:
    model = model_of(
        """
        sizes = {"hidden": 6, "out": 1}
        model = Sequential([Input((3,))])
        for name in sizes:
            model.add(Dense(sizes[name], name=name))
        """
    )
    assert [(layer.name, layer.params) for layer in model.layers] == [("hidden", 24), ("out", 7)]  # 6·4; 1·7


def test_a_loop_longer_than_the_limit_says_so() -> None:
    message = refused("model = Sequential([Input((4,))])\nfor i in range(5000):\n    model.add(Dense(1))\n")
    assert (
        message
        == "notedeck cannot follow `for … in range(5000):` (line 2): it goes round more than 1,000 times"
    )


def test_an_embeddings_vocabulary_is_not_its_input_length() -> None:
    # Embedding's input_dim is the vocabulary; Keras 3 gives a first Embedding no input shape
    # (notedeck once read Embedding(1000, 8) as 1,000 tokens long: output (1000, 8)).
    unit = unit_of("model = Sequential([Embedding(1000, 8), LSTM(4)])\n")
    assert unit.accepted and not unit.models  # valid, but not built yet: no numbers
    model = model_of("model = Sequential([Embedding(1000, 8, input_length=10), LSTM(4)])\n")
    assert model.layers[0].output_shape == (10, 8)  # Keras 2's input_length, as before
    assert model.total == 8000 + 208  # 1,000·8; 4·(4·(8 + 4) + 4)


def test_adding_to_a_list_in_place_is_seen_through_every_name() -> None:
    model = model_of(
        """
        stack = [Input((4,))]
        same = stack
        same += [Dense(3)]
        model = Sequential(stack)
        """
    )
    assert model.total == 15  # 3·(4 + 1)


def test_an_undefined_name_is_reported_where_python_would_stop() -> None:
    unit = unit_of("import keras\ndeep = settings.deep\nx = Input((4,))\nif deep:\n    x = Dense(2)(x)\n")
    (problem,) = unit.problems
    assert (problem.line, problem.message, problem.unsupported) == (
        2,  # `deep = settings.deep`, not the `if` that uses it
        "name 'settings' is not defined",
        False,
    )


# ---------------------------------------------------------------- models inside models


def test_a_functional_model_inside_a_sequential_that_is_called_on_a_tensor() -> None:
    inner, seq, outer = models_of(
        """
        inp = Input((None, None, 3))
        feat = Conv2D(8, 3)(inp)
        inner = Model(inp, feat, name="inner")
        seq = Sequential([Input((32, 32, 3)), inner, MaxPooling2D(), Flatten(), Dense(10)], name="seq")
        image = Input((32, 32, 3))
        outer = Model(image, seq(image), name="outer")
        """
    )
    assert inner.layers[1].output_shape == (None, None, 8)
    # Inside seq the inner model runs on (32, 32, 3), as Keras runs a called model's graph:
    # conv 32 − 3 + 1 = 30; pool ⌊(30 − 2)/2⌋ + 1 = 15; flatten 15·15·8 = 1,800.
    rows = {layer.name: layer for layer in seq.layers}
    assert rows["inner"].output_shape == (30, 30, 8) and rows["inner"].params == 224  # 8·(3·3·3 + 1)
    assert rows["flatten"].output_shape == (1800,)
    assert rows["max_pooling2d"].rf == ((4, 2), (4, 2))  # r = 3 + (2 − 1)·1, j = 2
    assert seq.total == 224 + 18010  # Dense 10·(1,800 + 1) = 18,010
    (row,) = [layer for layer in outer.layers if layer.cls == "Sequential"]
    assert row.output_shape == (10,) and outer.total == 18234  # seq once: inner's weights inside it


def test_a_functional_model_first_in_a_sequential_gives_it_its_input_shape() -> None:
    # Keras 3 `Sequential._maybe_rebuild`: a first layer with an `input_shape` (a Functional
    # model) builds the Sequential once a second layer is there; one layer alone stays unbuilt.
    inner, outer = models_of(
        """
        inp = Input((8,))
        inner = Model(inp, Dense(4)(inp))
        alone = Sequential([inner])
        outer = Sequential([inner, Dense(10)])
        """
    )
    assert inner.total == 36  # 4·(8 + 1)
    assert [layer.output_shape for layer in outer.layers] == [(4,), (10,)]
    assert outer.total == 36 + 50  # 10·(4 + 1)


def test_a_layer_twice_in_a_called_sequential_is_counted_once() -> None:
    _, outer = models_of(
        """
        d = Dense(4)
        s = Sequential([Input((4,)), d, d], name="s")
        x = Input((4,))
        outer = Model(x, s(x))
        """
    )
    assert outer.total == 20  # 4·(4 + 1), one kernel used twice


def test_a_sub_model_shared_inside_a_called_sequential_is_counted_once() -> None:
    *_, outer = models_of(
        """
        a = Input((6,))
        block = Model(a, Dense(6)(a), name="block")
        twice = Sequential([Input((6,)), block, block, Dense(1)], name="twice")
        x = Input((6,))
        outer = Model(x, twice(x))
        """
    )
    assert outer.total == 42 + 7  # block 6·(6 + 1) once; Dense 1·(6 + 1)


def test_freezing_a_model_freezes_its_own_layers_too() -> None:
    # Keras' `trainable` setter passes the flag on to every layer the model holds.
    base, model = models_of(
        """
        base = Sequential([Input((4,)), Dense(8)])
        base.trainable = False
        inputs = Input((4,))
        model = Model(inputs, Dense(1)(base(inputs)))
        """
    )
    assert (base.trainable, base.non_trainable) == (0, 40)  # 8·(4 + 1)
    assert (model.trainable, model.non_trainable) == (9, 40)  # 1·(8 + 1)


def test_a_frozen_layer_is_unfrozen_again_inside_a_frozen_model() -> None:
    # Fine-tuning: freeze the base, then let its last layer train again.
    base, model = models_of(
        """
        base = Sequential([Input((4,)), Dense(8), Dense(2)])
        inputs = Input((4,))
        model = Model(inputs, base(inputs))
        base.trainable = False
        base.layers[-1].trainable = True
        """
    )
    # Keras' `trainable_weights` is empty for a model set trainable=False, whatever its layers say;
    # the outer model goes by each weight's own flag: 2·(8 + 1) = 18 trains, 8·(4 + 1) = 40 does not.
    assert (base.trainable, base.non_trainable) == (0, 58)
    assert (model.trainable, model.non_trainable) == (18, 40)


def test_a_layer_in_a_sub_model_and_beside_it_is_refused_not_counted_twice() -> None:
    message = refused(
        """
        d = Dense(4)
        s = Sequential([Input((4,)), d], name="s")
        x = Input((4,))
        outer = Model(x, d(s(x)))
        """
    )
    assert "rows 's' and 'dense' hold the same layer" in message


# ---------------------------------------------------------------- what Keras really refuses


def test_input_takes_its_arguments_by_position_like_keras() -> None:
    # keras/src/layers/core/input_layer.py: Input(shape=None, batch_size=None, dtype=None, …)
    model = model_of("x = Input((8,), 32)\nm = Model(x, Dense(2)(x))\n")
    assert model.total == 18  # 2·(8 + 1); batch_size=32 does not change the weights


def test_a_second_input_of_a_sequential_is_a_keras_error() -> None:
    # Sequential.add raises "has already been configured to use input shape" once layers[0] is an InputLayer.
    unit = unit_of("model = Sequential([Input((4,)), Dense(2), Input((2,))])\n")
    (problem,) = [p for p in unit.problems if p.fatal]
    assert not problem.unsupported and "already has an input" in problem.message


def test_an_input_after_unshaped_layers_is_not_called_a_keras_error() -> None:
    # Sequential.add only refuses an InputLayer when the first layer already is one.
    message = refused("model = Sequential([Dense(2), Input((4,)), Dense(1)])\n")
    assert "an Input added after the first layers" in message


def test_a_sequential_called_on_several_tensors_is_not_called_a_keras_error() -> None:
    # Sequential.call hands a list on to its first layer (a merge layer takes it); not followed.
    message = refused(
        "s = Sequential([Input((4,)), Dense(2)], name='s')\na = Input((4,))\nb = Input((4,))\n"
        "m = Model([a, b], s([a, b]))\n"
    )
    assert "called on several tensors" in message


def test_a_built_sequential_runs_on_a_larger_image_as_keras_does() -> None:
    # A Sequential has no input spec: its layers run on what they get, and a convolution fits any size.
    seq, outer = models_of(
        """
        seq = Sequential([Input((32, 32, 3)), Conv2D(8, 3)], name="seq")
        x = Input((64, 64, 3))
        outer = Model(x, seq(x))
        """
    )
    assert seq.layers[0].output_shape == (30, 30, 8)
    (row,) = [layer for layer in outer.layers if layer.name == "seq"]
    assert row.output_shape == (62, 62, 8) and row.params == 224  # 64 − 3 + 1; 8·(3·3·3 + 1)


def test_a_built_sequential_whose_dense_no_longer_fits_is_a_keras_error() -> None:
    # Dense's input spec fixes the last axis once built: Keras raises on 6 features instead of 4.
    unit = unit_of("seq = Sequential([Input((4,)), Dense(2)])\nx = Input((6,))\nm = Model(x, seq(x))\n")
    (problem,) = [p for p in unit.problems if p.fatal]
    assert not problem.unsupported and "weights were built for inputs of another size" in problem.message
