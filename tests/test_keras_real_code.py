"""Model code as found in public tutorials, books, course repositories and the Keras examples.

Each case is rewritten in our own words after the code named above it (same
constructs, often smaller sizes); every number is worked by hand in the
comments from Keras 3's formulas. No TensorFlow is needed: the point is that
notedeck follows the code as written, or says plainly that it cannot.
"""

from __future__ import annotations

import textwrap

from cards.generators.keras.extract import ModelReport, UnitAnalysis, analyse_code
from tests.test_keras_receptive import conv, field, upsample


def unit_of(code: str) -> UnitAnalysis:
    (unit,) = analyse_code(textwrap.dedent(code))
    return unit


def last_model(code: str) -> ModelReport:
    unit = unit_of(code)
    assert unit.accepted, unit.problems
    return unit.models[-1]


def test_keras_example_mnist_convnet() -> None:
    # keras-io examples/vision/mnist_convnet: a Sequential list starting with keras.Input.
    model = last_model(
        """
        import keras
        from keras import layers

        num_classes = 10
        input_shape = (28, 28, 1)
        model = keras.Sequential(
            [
                keras.Input(shape=input_shape),
                layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
                layers.MaxPooling2D(pool_size=(2, 2)),
                layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
                layers.MaxPooling2D(pool_size=(2, 2)),
                layers.Flatten(),
                layers.Dropout(0.5),
                layers.Dense(num_classes, activation="softmax"),
            ]
        )
        model.summary()
        """
    )
    # 32·(9 + 1) = 320; 64·(9·32 + 1) = 18,496; 28 → 26 → 13 → 11 → 5: 5·5·64 = 1,600; 10·(1,600 + 1) = 16,010
    assert model.total == 34826


def test_book_residual_snippet_with_a_placeholder_input() -> None:
    # Deep Learning with Python, residual connection: `x = ...` stands for "some tensor".
    unit = unit_of(
        """
        from keras import layers
        x = ...
        y = layers.Conv2D(128, 3, activation="relu", padding="same")(x)
        y = layers.add([y, x])
        """
    )
    (problem,) = unit.problems
    assert problem.unsupported and "placeholder '...'" in problem.message


def test_residual_block_function_with_an_optional_shortcut() -> None:
    # ResNet-style block helpers from course repositories: `if shortcut:` on a default argument.
    model = last_model(
        """
        from tensorflow import keras
        from tensorflow.keras import layers

        def res_block(x, filters, stride=1, shortcut=True):
            if shortcut:
                s = layers.Conv2D(filters, 1, strides=stride)(x)
                s = layers.BatchNormalization()(s)
            else:
                s = x
            y = layers.Conv2D(filters, 3, strides=stride, padding="same")(x)
            y = layers.BatchNormalization()(y)
            y = layers.Activation("relu")(y)
            y = layers.Conv2D(filters, 3, padding="same")(y)
            y = layers.BatchNormalization()(y)
            return layers.Activation("relu")(layers.add([s, y]))

        inputs = keras.Input((32, 32, 16))
        x = res_block(inputs, 32, stride=2)
        x = res_block(x, 32, shortcut=False)
        model = keras.Model(inputs, x)
        """
    )
    # Block 1: 1×1 shortcut 32·(16 + 1) = 544; 3×3 convs 32·(9·16 + 1) = 4,640 and 32·(9·32 + 1) = 9,248;
    # three BatchNormalizations of 4·32 = 128 (half non-trainable). Block 2: 9,248·2 + 2·128.
    assert model.total == 544 + 4640 + 9248 + 3 * 128 + 2 * 9248 + 2 * 128
    assert model.non_trainable == 5 * 64
    assert model.layers[-1].output_shape == (16, 16, 32)


def test_dcgan_generator_sequential() -> None:
    # keras-io DCGAN-style generator: keras.Input, Dense, Reshape, k=4 s=2 transposed convolutions.
    model = last_model(
        """
        latent_dim = 100
        generator = keras.Sequential(
            [
                keras.Input(shape=(latent_dim,)),
                layers.Dense(7 * 7 * 64),
                layers.Reshape((7, 7, 64)),
                layers.Conv2DTranspose(32, kernel_size=4, strides=2, padding="same"),
                layers.LeakyReLU(alpha=0.2),
                layers.Conv2DTranspose(16, kernel_size=4, strides=2, padding="same"),
                layers.LeakyReLU(alpha=0.2),
                layers.Conv2D(1, kernel_size=7, padding="same", activation="sigmoid"),
            ],
            name="generator",
        )
        """
    )
    assert model.name == "generator"
    # 3,136·(100 + 1) = 316,736; 32·(4·4·64 + 1) = 32,800; 16·(4·4·32 + 1) = 8,208; 1·(7·7·16 + 1) = 785
    assert model.total == 316736 + 32800 + 8208 + 785
    assert model.layers[-1].output_shape == (28, 28, 1)  # 7 → 14 → 28


def test_keras2_generator_with_input_dim() -> None:
    # "How to use transpose convolutions" tutorial: Dense(…, input_dim=100), Reshape, one up-convolution.
    model = last_model(
        """
        from keras.models import Sequential
        from keras.layers import Dense, Reshape, Conv2DTranspose
        model = Sequential()
        model.add(Dense(128 * 5 * 5, input_dim=100))
        model.add(Reshape((5, 5, 128)))
        model.add(Conv2DTranspose(1, (3,3), strides=(2,2), padding='same'))
        """
    )
    # 3,200·(100 + 1) = 323,200; 1·(3·3·128 + 1) = 1,153; 5 → 10
    assert model.total == 324353
    assert model.layers[-1].output_shape == (10, 10, 1)


def test_hidden_layers_from_an_imported_config_are_refused() -> None:
    # A course project adds `for n in G_PARAMS.HIDDEN: model.add(Dense(n))` — the sizes live elsewhere.
    unit = unit_of(
        """
        from tensorflow import keras
        from hpcscripts.option import globalparams as G_PARAMS

        model = keras.Sequential([keras.Input((8,))])
        for nodes_count in G_PARAMS.SEQUENTIAL_HIDDENLAYERS:
            model.add(keras.layers.Dense(units=nodes_count, activation="relu"))
        model.add(keras.layers.Dense(1))
        """
    )
    (problem,) = unit.problems
    assert problem.unsupported and problem.line == 6 and "loop" in problem.message
    assert not unit.models


def test_vgg_style_blocks_from_nested_loops_with_fstring_names() -> None:
    model = last_model(
        """
        inputs = Input((32, 32, 3))
        x = inputs
        for b, (filters, convs) in enumerate([(16, 2), (32, 1)], start=1):
            for i in range(1, convs + 1):
                x = Conv2D(filters, 3, padding="same", activation="relu", name=f"block{b}_conv{i}")(x)
            x = MaxPooling2D(name=f"block{b}_pool")(x)
        x = Flatten()(x)
        outputs = Dense(10, activation="softmax")(x)
        model = Model(inputs, outputs, name="mini_vgg")
        """
    )
    names = [layer.name for layer in model.layers]
    assert names[1:6] == ["block1_conv1", "block1_conv2", "block1_pool", "block2_conv1", "block2_pool"]
    # 16·(27 + 1) = 448; 16·(144 + 1) = 2,320; 32·(144 + 1) = 4,640; 8·8·32 = 2,048 → 10·2,049 = 20,490
    assert model.total == 448 + 2320 + 4640 + 20490
    fields = [layer.rf[0][0] for layer in model.layers[1:6] if layer.rf]
    assert fields == [3, 5, 6, 10, 12]  # 3; 3 + 2; 5 + 1; 6 + 2·2; 10 + 1·2


def test_layer_list_extended_by_a_helper_then_given_to_sequential() -> None:
    # A student project keeps its layers in a list with Rescaling first and appends Dense layers later.
    model = last_model(
        """
        import tensorflow as tf
        from tensorflow.keras import layers

        stack = [layers.Rescaling(1.0 / 255), layers.Conv2D(8, 3, activation="relu"),
                 layers.MaxPooling2D(), layers.Flatten()]

        def add_dense(n):
            stack.append(layers.Dense(n))

        add_dense(10)
        model = tf.keras.Sequential([layers.Input((28, 28, 1)), *stack])
        """
    )
    # 8·(9 + 1) = 80; 28 → 26 → 13: 13·13·8 = 1,352; 10·(1,352 + 1) = 13,530
    assert model.total == 80 + 13530


def test_text_cnn_with_a_comprehension_of_branches() -> None:
    # Text classification tutorials: Embedding, one Conv1D per kernel size, concatenate.
    model = last_model(
        """
        inputs = keras.Input(shape=(100,), dtype="int32")
        x = layers.Embedding(5000, 16)(inputs)
        branches = [layers.GlobalMaxPooling1D()(layers.Conv1D(8, k, activation="relu")(x)) for k in (3, 4, 5)]
        x = layers.concatenate(branches)
        x = layers.Dropout(0.5)(x)
        outputs = layers.Dense(1, activation="sigmoid")(x)
        model = keras.Model(inputs, outputs)
        """
    )
    # 5,000·16 = 80,000; 8·(16k + 1) = 392, 520, 648; 1·(24 + 1) = 25
    assert model.total == 80000 + 392 + 520 + 648 + 25


def test_convolutional_autoencoder_with_same_pooling_and_upsampling() -> None:
    # The Keras blog's convolutional autoencoder (28×28 digits): 'same' pooling of 7 gives 4.
    model = last_model(
        """
        input_img = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(16, (3, 3), activation='relu', padding='same')(input_img)
        x = layers.MaxPooling2D((2, 2), padding='same')(x)
        x = layers.Conv2D(8, (3, 3), activation='relu', padding='same')(x)
        x = layers.MaxPooling2D((2, 2), padding='same')(x)
        x = layers.Conv2D(8, (3, 3), activation='relu', padding='same')(x)
        encoded = layers.MaxPooling2D((2, 2), padding='same')(x)
        x = layers.Conv2D(8, (3, 3), activation='relu', padding='same')(encoded)
        x = layers.UpSampling2D((2, 2))(x)
        x = layers.Conv2D(8, (3, 3), activation='relu', padding='same')(x)
        x = layers.UpSampling2D((2, 2))(x)
        x = layers.Conv2D(16, (3, 3), activation='relu')(x)
        x = layers.UpSampling2D((2, 2))(x)
        decoded = layers.Conv2D(1, (3, 3), activation='sigmoid', padding='same')(x)
        autoencoder = keras.Model(input_img, decoded)
        """
    )
    shapes = [layer.output_shape[0] for layer in model.layers]
    assert shapes == [28, 28, 14, 14, 7, 7, 4, 4, 8, 8, 16, 14, 28, 28]
    # 16·(9 + 1) = 160; 8·(144 + 1) = 1,160; 8·(72 + 1) = 584 (three times);
    # 16·(72 + 1) = 1,168; 1·(144 + 1) = 145
    assert model.total == 160 + 1160 + 3 * 584 + 1168 + 145
    # The field at the output, against a brute-force count on one axis of a 28-pixel image's
    # worth of units (the oracle signal is longer; 'same' pooling pads on the right only here).
    sees = [frozenset({i}) for i in range(28 * 32)]
    for step in ("c3s", "p", "c3s", "p", "c3s", "p", "c3s", "u", "c3s", "u", "c3", "u", "c3s"):
        sees = {
            "c3s": lambda s: conv(s, 3, padding="same"),
            "c3": lambda s: conv(s, 3),
            "p": lambda s: conv(s, 2, 2, padding="same"),
            "u": lambda s: upsample(s, 2),
        }[step](sees)
    assert model.layers[-1].rf is not None
    assert model.layers[-1].rf[0][0] == field(sees)


def test_data_augmentation_model_inside_a_sequential() -> None:
    # keras-io image classification from scratch: an augmentation Sequential used as the first layer.
    models = unit_of(
        """
        from tensorflow.keras import layers, Sequential
        augment = Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)])
        model = Sequential([
            layers.Input((32, 32, 3)), augment, layers.Rescaling(1.0 / 255),
            layers.Conv2D(4, 3), layers.GlobalAveragePooling2D(), layers.Dense(2),
        ])
        """
    ).models
    (model,) = models  # the augmentation model alone has no input shape: no numbers of its own
    assert [layer.cls for layer in model.layers][:2] == ["Sequential", "Rescaling"]
    assert model.total == 112 + 10  # 4·(27 + 1); 2·(4 + 1)


def test_lambda_layers_and_pretrained_bases_are_refused_by_name() -> None:
    lam = unit_of("x = layers.Input((8,))\ny = layers.Lambda(lambda t: t * 2)(x)\n")
    assert "Lambda, a Keras class notedeck does not model" in lam.problems[0].message
    base = unit_of(
        """
        import tensorflow as tf
        base = tf.keras.applications.MobileNetV2(include_top=False, input_shape=(96, 96, 3))
        base.trainable = False
        inputs = tf.keras.Input((96, 96, 3))
        x = base(inputs, training=False)
        outputs = tf.keras.layers.Dense(2)(tf.keras.layers.GlobalAveragePooling2D()(x))
        model = tf.keras.Model(inputs, outputs)
        """
    )
    (problem,) = base.problems
    assert problem.unsupported and problem.line == 6 and "MobileNetV2" in problem.message


def test_keras_example_bidirectional_lstm_on_imdb() -> None:
    # keras-io examples/nlp/bidirectional_lstm_imdb (the example prints Total params: 2,757,761);
    # the data-loading lines after the model are harmless.
    model = last_model(
        """
        import numpy as np
        import keras
        from keras import layers

        max_features = 20000
        inputs = keras.Input(shape=(None,), dtype="int32")
        x = layers.Embedding(max_features, 128)(inputs)
        x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
        x = layers.Bidirectional(layers.LSTM(64))(x)
        outputs = layers.Dense(1, activation="sigmoid")(x)
        model = keras.Model(inputs, outputs)
        model.summary()
        (x_train, y_train), (x_val, y_val) = keras.datasets.imdb.load_data(num_words=max_features)
        print(len(x_train), "Training sequences")
        """
    )
    # 20,000·128 = 2,560,000; each BiLSTM 2·4·(64·(128 + 64) + 64) = 98,816; 1·(128 + 1) = 129
    assert model.total == 2560000 + 2 * 98816 + 129 == 2757761


def test_vae_decoder_sized_from_the_encoders_static_shape() -> None:
    # VAE tutorials keep `shape = K.int_shape(x)` (or `x.shape[1:]`) to size the decoder's Dense and Reshape.
    model = last_model(
        """
        from tensorflow.keras.layers import *
        from tensorflow.keras.models import *
        from tensorflow.keras import backend as K

        inputs = Input(shape=(16, 16, 3))
        x = Conv2D(8, 3, strides=2, padding="same")(inputs)
        shape = K.int_shape(x)
        print(K.int_shape(x))
        x = Flatten()(x)
        z = Dense(4)(x)
        d = Dense(shape[1] * shape[2] * shape[3])(z)
        d = Reshape(shape[1:])(d)
        d = Reshape(x.shape[1:])(d)
        model = Model(inputs, d)
        """
    )
    # 8·(27 + 1) = 224; 16 → 8: 8·8·8 = 512; 4·(512 + 1) = 2,052; 512·(4 + 1) = 2,560
    assert model.total == 224 + 2052 + 2560
    assert model.layers[-1].output_shape == (512,)


def test_functional_api_guide_multi_input_multi_output() -> None:
    # keras-io guides/functional_api: three inputs, two outputs given as a dict, plot_model after.
    model = last_model(
        """
        num_tags, num_words, num_departments = 12, 10000, 4
        title_input = keras.Input(shape=(None,), name="title")
        body_input = keras.Input(shape=(None,), name="body")
        tags_input = keras.Input(shape=(num_tags,), name="tags")
        title_features = layers.LSTM(128)(layers.Embedding(num_words, 64)(title_input))
        body_features = layers.LSTM(32)(layers.Embedding(num_words, 64)(body_input))
        x = layers.concatenate([title_features, body_features, tags_input])
        priority_pred = layers.Dense(1, name="priority")(x)
        department_pred = layers.Dense(num_departments, name="department")(x)
        model = keras.Model(
            inputs=[title_input, body_input, tags_input],
            outputs={"priority": priority_pred, "department": department_pred},
        )
        keras.utils.plot_model(model, "multi_input_and_output_model.png", show_shapes=True)
        """
    )
    # 2·10,000·64 = 1,280,000; LSTM 4·(128·(64 + 128) + 128) = 98,816 and 4·(32·(64 + 32) + 32) = 12,416;
    # 128 + 32 + 12 = 172 features: 1·173 + 4·173
    assert model.total == 1280000 + 98816 + 12416 + 173 + 692


def test_functional_api_guide_toy_resnet() -> None:
    # keras-io guides/functional_api "a toy ResNet model" (the guide prints Total params: 223,242).
    model = last_model(
        """
        inputs = keras.Input(shape=(32, 32, 3), name="img")
        x = layers.Conv2D(32, 3, activation="relu")(inputs)
        x = layers.Conv2D(64, 3, activation="relu")(x)
        block_1_output = layers.MaxPooling2D(3)(x)
        x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
        x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
        block_2_output = layers.add([x, block_1_output])
        x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
        x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
        block_3_output = layers.add([x, block_2_output])
        x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(256, activation="relu")(x)
        x = layers.Dropout(0.5)(x)
        outputs = layers.Dense(10)(x)
        model = keras.Model(inputs, outputs, name="toy_resnet")
        """
    )
    # 896 + 18,496; 32 → 30 → 28 → pool 3: 9; five 3×3 convs 64·(576 + 1) = 36,928; 256·65 + 10·257
    assert model.total == 896 + 18496 + 5 * 36928 + 16640 + 2570 == 223242


def test_book_stacked_autoencoder_from_two_sequential_models() -> None:
    # Hands-On Machine Learning (Géron), chapter 17: `Sequential([stacked_encoder, stacked_decoder])`.
    # Keras 3 builds it from the encoder's input shape (`Sequential._maybe_rebuild`).
    unit = unit_of(
        """
        from tensorflow import keras
        stacked_encoder = keras.models.Sequential([
            keras.layers.Flatten(input_shape=[28, 28]),
            keras.layers.Dense(100, activation="selu"),
            keras.layers.Dense(30, activation="selu"),
        ])
        stacked_decoder = keras.models.Sequential([
            keras.layers.Dense(100, activation="selu", input_shape=[30]),
            keras.layers.Dense(28 * 28, activation="sigmoid"),
            keras.layers.Reshape([28, 28]),
        ])
        stacked_ae = keras.models.Sequential([stacked_encoder, stacked_decoder])
        """
    )
    assert unit.accepted, unit.problems
    encoder, decoder, ae = unit.models
    assert encoder.total == 78500 + 3030  # 100·(784 + 1); 30·(100 + 1)
    assert decoder.total == 3100 + 79184  # 100·(30 + 1); 784·(100 + 1)
    assert [(layer.cls, layer.output_shape) for layer in ae.layers] == [
        ("Sequential", (30,)),
        ("Sequential", (28, 28)),
    ]
    assert ae.total == 81530 + 82284


def test_book_gan_with_a_frozen_discriminator() -> None:
    # Hands-On Machine Learning (Géron), chapter 17: `gan = Sequential([generator, discriminator])`,
    # then `discriminator.trainable = False` before compiling the GAN.
    unit = unit_of(
        """
        from tensorflow import keras
        codings_size = 30
        generator = keras.models.Sequential([
            keras.layers.Dense(100, activation="selu", input_shape=[codings_size]),
            keras.layers.Dense(150, activation="selu"),
            keras.layers.Dense(28 * 28, activation="sigmoid"),
            keras.layers.Reshape([28, 28]),
        ])
        discriminator = keras.models.Sequential([
            keras.layers.Flatten(input_shape=[28, 28]),
            keras.layers.Dense(150, activation="selu"),
            keras.layers.Dense(100, activation="selu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ])
        gan = keras.models.Sequential([generator, discriminator])
        discriminator.compile(loss="binary_crossentropy", optimizer="rmsprop")
        discriminator.trainable = False
        gan.compile(loss="binary_crossentropy", optimizer="rmsprop")
        """
    )
    assert unit.accepted, unit.problems
    generator, discriminator, gan = unit.models
    # 100·(30 + 1) = 3,100; 150·(100 + 1) = 15,150; 784·(150 + 1) = 118,384
    assert generator.total == 136634
    # 150·(784 + 1) = 117,750; 100·(150 + 1) = 15,100; 1·(100 + 1) = 101; all frozen now
    assert (discriminator.trainable, discriminator.non_trainable) == (0, 132951)
    assert (gan.trainable, gan.non_trainable) == (136634, 132951)
