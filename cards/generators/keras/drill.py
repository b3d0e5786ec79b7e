"""Fresh practice networks: random but valid Keras models, written as code.

Each network is drawn from a seeded ``random.Random`` and written the way
exam snippets are (``tfkl`` functional code or ``Sequential``), then goes
through the same analysis and card selection as the notes' own models. The
generator tracks sizes while it draws, so every layer fits its input; the
analysis is still the judge (a drawn network it rejects is redrawn).
Same seed, same networks, same cards.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from cards.generators import GeneratorOptions
from cards.generators.keras import KerasExercises
from cards.model import Card, CodeBlock

KINDS = ("CNN", "Encoder-decoder", "RNN")


@dataclass(frozen=True)
class Network:
    """One drawn network: its kind (the card chapter) and its code."""

    kind: str
    code: str


def networks(count: int, seed: int) -> list[Network]:
    """``count`` networks from ``seed``, cycling through CNNs, encoder-decoders and RNNs."""
    rng = random.Random(seed)
    drawers: dict[str, Callable[[random.Random], str]] = {
        "CNN": _cnn,
        "Encoder-decoder": _encoder_decoder,
        "RNN": _rnn,
    }
    found: list[Network] = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        for _ in range(20):
            code = drawers[kind](rng)
            if _accepted(code):
                break
        found.append(Network(kind, code))
    return found


def drill_cards(count: int, seed: int, *, deck: str, cards_per_model: int = 4) -> list[Card]:
    """The exercise cards of ``count`` fresh networks."""
    cards: list[Card] = []
    generator = KerasExercises()
    for i, network in enumerate(networks(count, seed)):
        block = CodeBlock(code=network.code, language="python", line=0, chapter=(network.kind,), after="")
        out = generator.generate(
            [block], source=f"drill-{seed}-{i + 1}", deck=deck, options=GeneratorOptions(cards_per_model)
        )
        cards.extend(out.cards)
    return cards


def _accepted(code: str) -> bool:
    from cards.generators.keras.extract import analyse_code

    units = analyse_code(code)
    return len(units) == 1 and units[0].accepted and len(units[0].models) == 1


# ---------------------------------------------------------------- drawing


class _Writer:
    """Writes functional code and tracks the current spatial size and channels."""

    def __init__(self, rng: random.Random, side: int, channels: int, *, sequential: bool = False) -> None:
        self.rng = rng
        self.side = side
        self.channels = channels
        self.sequential = sequential
        shape = f"({side}, {side}, {channels})"
        if sequential:
            self.lines = ["model = tfk.Sequential()", f"model.add(tfkl.Input(shape={shape}))"]
        else:
            self.lines = [f"input_layer = tfkl.Input(shape={shape})"]
        self.var = "input_layer"
        self.count = 0

    def add(self, call: str) -> str:
        self.count += 1
        name = f"x{self.count}"
        if self.sequential:
            self.lines.append(f"model.add(tfkl.{call})")
        else:
            self.lines.append(f"{name} = tfkl.{call}({self.var})")
        self.var = name
        return name

    def conv(self, filters: int, *, allow_stride: bool = True) -> None:
        rng = self.rng
        k = rng.choice([1, 3, 3, 3, 5, 5, 7]) if self.side >= 8 else 3
        stride = 2 if allow_stride and self.side >= 16 and rng.random() < 0.3 else 1
        padding = rng.choice(["same", "same", "valid"]) if self.side > k + 2 else "same"
        dilation = 2 if stride == 1 and k == 3 and padding == "same" and rng.random() < 0.15 else 1
        args = [str(filters), f"({k}, {k})"]
        if stride > 1:
            args.append(f"strides=({stride}, {stride})")
        if padding != "valid" or rng.random() < 0.5:
            args.append(f"padding='{padding}'")
        if dilation > 1:
            args.append(f"dilation_rate={dilation}")
        args.append("activation='relu'")
        self.add(f"Conv2D({', '.join(args)})")
        k_eff = dilation * (k - 1) + 1
        self.side = -(-self.side // stride) if padding == "same" else (self.side - k_eff) // stride + 1
        self.channels = filters

    def pool(self) -> None:
        rng = self.rng
        kind = rng.choice(["MaxPooling2D", "MaxPooling2D", "AveragePooling2D"])
        size = rng.choice([2, 2, 2, 3])
        stride = rng.choice([None, None, 2]) if size == 3 else None
        padding = "same" if self.side % size and rng.random() < 0.5 else "valid"
        args = [f"pool_size=({size}, {size})"]
        if stride:
            args.append(f"strides=({stride}, {stride})")
        if padding == "same":
            args.append("padding='same'")
        self.add(f"{kind}({', '.join(args)})")
        s = stride or size
        self.side = -(-self.side // s) if padding == "same" else (self.side - size) // s + 1

    def code(self) -> str:
        if self.sequential:
            return "\n".join([*self.lines, ""])
        return "\n".join([*self.lines, f"model = tfk.Model(inputs=input_layer, outputs={self.var})", ""])


def _cnn(rng: random.Random) -> str:
    sequential = rng.random() < 0.4
    w = _Writer(rng, rng.choice([28, 32, 48, 64, 96, 128]), rng.choice([1, 3, 3]), sequential=sequential)
    filters = rng.choice([8, 16, 32])
    for _ in range(rng.randint(2, 4)):
        if w.side < 6:
            break
        w.conv(filters)
        if rng.random() < 0.35:
            w.add("BatchNormalization()")
        if w.side >= 4:
            w.pool()
        filters = min(filters * rng.choice([1, 2, 2]), 256)
    if rng.random() < 0.3:
        w.add(f"SeparableConv2D({rng.choice([32, 64])}, (3, 3), padding='same')")
    w.add("Flatten()" if rng.random() < 0.6 else "GlobalAveragePooling2D()")
    if rng.random() < 0.5:
        w.add(f"Dropout({rng.choice([0.2, 0.3, 0.5])})")
    w.add(f"Dense({rng.choice([32, 64, 128, 256])}, activation='relu')")
    if rng.random() < 0.3:
        w.add("BatchNormalization()")
    w.add(f"Dense({rng.choice([2, 5, 10, 21, 43, 100])}, activation='softmax')")
    return w.code()


def _encoder_decoder(rng: random.Random) -> str:
    w = _Writer(rng, rng.choice([32, 64, 128, 256]), rng.choice([1, 3]))
    depth = rng.randint(2, 3)
    filters = rng.choice([8, 16, 32])
    for _ in range(depth):
        w.add(f"Conv2D({filters}, (3, 3), padding='same', activation='relu')")
        w.channels = filters
        if rng.random() < 0.5:
            w.add("MaxPooling2D()")
        else:
            w.add(f"Conv2D({filters}, (3, 3), strides=(2, 2), padding='same', activation='relu')")
        w.side //= 2
        filters *= 2
    if rng.random() < 0.4:
        w.add("BatchNormalization()")
    w.add(f"Conv2D({filters}, (1, 1), activation='relu')")
    for _ in range(depth):
        filters //= 2
        if rng.random() < 0.6:
            k = rng.choice([2, 3, 4])
            padding = "same" if k != 2 and rng.random() < 0.7 else "valid"
            act = "activation='relu'"
            w.add(f"Conv2DTranspose({filters}, ({k}, {k}), strides=(2, 2), padding='{padding}', {act})")
            w.side = w.side * 2 if padding == "same" else w.side * 2 + max(k - 2, 0)
        else:
            w.add("UpSampling2D()")
            w.add(f"Conv2D({filters}, (3, 3), padding='same', activation='relu')")
            w.side *= 2
    w.add(f"Conv2D({rng.choice([1, 2, 3])}, (1, 1), activation='sigmoid')")
    return w.code()


def _rnn(rng: random.Random) -> str:
    steps = rng.choice(["None", "10", "20", "50", "100"])
    lines = []
    if rng.random() < 0.4:
        vocab, dim = rng.choice([1000, 5000, 10000]), rng.choice([16, 32, 64, 128])
        length = steps if steps != "None" else "100"
        lines.append(f"input_layer = tfkl.Input(shape=({length},))")
        lines.append(f"x = tfkl.Embedding({vocab}, {dim})(input_layer)")
    else:
        lines.append(f"input_layer = tfkl.Input(shape=({steps}, {rng.choice([1, 3, 8, 16, 32])}))")
        lines.append("x = input_layer")
    if rng.random() < 0.25:
        lines.append(f"x = tfkl.Conv1D({rng.choice([16, 32])}, {rng.choice([3, 5])}, padding='same')(x)")
    layers = rng.randint(1, 3)
    for i in range(layers):
        cls = rng.choice(["LSTM", "GRU", "SimpleRNN", "LSTM", "GRU"])
        units = rng.choice([8, 16, 32, 64, 128])
        args = [str(units)]
        if i < layers - 1:
            args.append("return_sequences=True")
        if cls == "GRU" and rng.random() < 0.25:
            args.append("reset_after=False")
        call = f"tfkl.{cls}({', '.join(args)})"
        if rng.random() < 0.35:
            mode = rng.choice(["'concat'", "'concat'", "'sum'", "'ave'", "'mul'"])
            call = f"tfkl.Bidirectional({call}, merge_mode={mode})"
        lines.append(f"x = {call}(x)")
    if rng.random() < 0.4:
        lines.append(f"x = tfkl.Dense({rng.choice([16, 32, 64])}, activation='relu')(x)")
    lines.append(f"output_layer = tfkl.Dense({rng.choice([1, 2, 5, 10])})(x)")
    lines.append("model = tfk.Model(inputs=input_layer, outputs=output_layer)")
    return "\n".join([*lines, ""])


__all__ = ["KINDS", "Network", "drill_cards", "networks"]
