"""A small abstract interpreter for the Python that model code is written in (never runs it).

It follows what decides which layers exist: constants and arithmetic, tuples,
lists and dicts (mutated in place, as in Python), f-strings, ``if``/``for``/
``while`` with ``break`` and ``continue``, comprehensions, functions with
defaults, ``*args``/``**kwargs`` and closures — all under step limits. What
it cannot decide it never guesses: a value becomes :class:`Unresolved` with a
reason that names the construct and its line, and an ``if`` or loop whose
outcome it cannot decide stops the analysis (:class:`Rejected` with
``unsupported``) unless its body cannot touch a model (then the names it
assigns become unresolved). Keras itself is a subclass's business
(:mod:`cards.generators.keras.api`), through the ``*_hook`` methods.
"""

from __future__ import annotations

import ast
import builtins
import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cards.generators.keras.layers import Unresolved, unresolved_in

MAX_LOOP = 1_000
"""Iterations of one loop (each iteration's statements also count towards the step limit)."""
MAX_ITEMS = 10_000
MAX_STEPS = 20_000
"""Statements and comprehension items evaluated per code unit; beyond that the code is not analysed."""
MAX_DEPTH = 16
_SAFE_SPEC = re.compile(r"[<>^=+\- #0,_]*\d{0,2}(?:\.\d{1,2})?[bcdeEfFgGnosxX%]?")
"""Format specs evaluated in f-strings and ``str.format`` (widths stay small)."""
PLAIN = (bool, int, float, str, bytes, tuple, list, dict, type(None))
"""Values whose truth Python (and so this interpreter) can decide."""


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Module:
    path: str


@dataclass(frozen=True)
class Undefined:
    name: str
    line: int = 0
    """Where the name is first read (Python's NameError would point there)."""


@dataclass(frozen=True)
class Builtin:
    name: str


@dataclass
class Function:
    """A ``def`` or ``lambda``, with its defaults evaluated at definition (as Python does)."""

    node: ast.FunctionDef | ast.Lambda
    defaults: list[Any]
    kw_defaults: dict[str, Any]
    closure: tuple[dict[str, Any], ...] = ()
    name: str = "<lambda>"


@dataclass(frozen=True)
class PyMethod:
    """A method of a plain value: ``convs.append``, ``cfg.items``, ``'{}'.format``."""

    owner: Any
    name: str


class Rejected(Exception):
    """A hard stop: Keras (or Python) would raise here, or, if ``unsupported``, notedeck cannot follow."""

    def __init__(self, line: int, message: str, *, unsupported: bool = False) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.unsupported = unsupported


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


@dataclass
class Frame:
    """A function call's local names, and where its free names are looked up."""

    env: dict[str, Any]
    closure: tuple[dict[str, Any], ...] = ()
    globals_: set[str] = field(default_factory=set)


BUILTINS = frozenset(
    [
        "range",
        "len",
        "int",
        "float",
        "str",
        "bool",
        "tuple",
        "list",
        "dict",
        "enumerate",
        "zip",
        "reversed",
        "sorted",
        "min",
        "max",
        "sum",
        "abs",
        "round",
        "print",
        "isinstance",
        "any",
        "all",
    ]
)
HARMLESS_CALLS = frozenset(
    [
        "print",
        "summary",
        "compile",
        "fit",
        "evaluate",
        "predict",
        "save",
        "save_weights",
        "load_weights",
        "plot_model",
        "count_params",
        "get_config",
        "to_json",
        "fit_generator",
        "train_on_batch",
        "set_seed",
        "seed",
    ]
)
"""Calls that never add, remove or change a layer, whatever they receive."""


def where(line: int) -> str:
    return f"line {line}"


# ---------------------------------------------------------------- the interpreter


class Interpreter:
    """Walks the statements of one code unit; ``lines`` maps code lines to file lines for messages."""

    def __init__(self, lines: Callable[[int], int]) -> None:
        self.file_line = lines
        self.globals: dict[str, Any] = {"__name__": "__main__"}
        self.frame = Frame(self.globals)
        self.depth = 0
        self.steps = 0
        self.changed: dict[int, tuple[list[Any] | dict[Any, Any], Unresolved]] = {}
        """Lists and dicts handed to code notedeck does not follow, by ``id`` (see :meth:`hand_over`)."""

    # -- hooks for the Keras layer (api.py)

    def name_hook(self, name: str) -> Any:
        """A name that no scope defines."""
        return Undefined(name)

    def attribute_hook(self, base: Any, attr: str, line: int) -> Any:
        """An attribute of a value that is not plain Python."""
        return Unresolved(f"the attribute '.{attr}' ({self.at(line)})")

    def call_hook(self, func: Any, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        """A call of something that is not a plain Python function."""
        return self.opaque_call(func, args, kwargs, node)

    def store_attribute_hook(self, base: Any, attr: str, value: Any, line: int) -> None:
        """``base.attr = value`` (plain objects have nothing notedeck follows)."""

    def class_hook(self, stmt: ast.ClassDef) -> Any:
        """A class definition (its body is not followed)."""
        return Unresolved(f"the class {stmt.name} ({self.at(stmt.lineno)})")

    def is_model_value(self, value: Any) -> bool:
        """Whether a value holds layers, tensors or models (passing it to unknown code loses track)."""
        return False

    def is_mutable_model_value(self, value: Any) -> bool:
        """Whether a value holds layers or models, which unknown code could change (tensors it cannot)."""
        return False

    # -- helpers

    def at(self, line: int) -> str:
        return where(self.file_line(line))

    def step(self, line: int) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Rejected(line, "notedeck cannot follow code that runs this many steps", unsupported=True)

    def cannot_follow(self, line: int, what: str, why: str = "") -> Rejected:
        """Code notedeck cannot follow (Keras may well accept it): the construct, its line, and why."""
        where_ = "" if re.search(r"\(line \d+\)$", what) else f" ({self.at(line)})"
        because = f": {why}" if why else ""
        return Rejected(line, f"notedeck cannot follow {what}{where_}{because}", unsupported=True)

    def opaque_call(self, func: Any, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        """A call notedeck does not evaluate: harmless unless it receives layers or models."""
        text = _short(node.func)
        called = text.rsplit(".", 1)[-1]
        # A tensor handed to unknown code cannot change the model (its result stays unknown);
        # a layer or model can be changed in place, so then the count is no longer known.
        if called not in HARMLESS_CALLS and any(
            self.is_mutable_model_value(v) for v in [*args, *kwargs.values()]
        ):
            raise self.cannot_follow(
                node.lineno, f"`{_short(node)}`", "it hands layers or models to code notedeck does not have"
            )
        # What it gives back depends on values unknown code may have changed before: that is the reason.
        earlier = self.changed_reason([func, *args, *kwargs.values()])
        self.hand_over(func, args, kwargs, node)
        if earlier is not None:
            return earlier
        if isinstance(func, Undefined) and called not in HARMLESS_CALLS:
            return Unresolved(f"{text}() is not defined in the code ({self.at(node.lineno)})")
        return Unresolved(f"the result of {text}() ({self.at(node.lineno)})")

    # -- values handed to code notedeck does not follow

    def hand_over(self, func: Any, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> None:
        """A call notedeck does not follow: every list or dict its arguments reach may have changed.

        ``random.shuffle(sizes)`` or ``helper(cfg)`` may reorder, grow or rewrite what they
        receive, and other names (or containers) holding the same object see the change, as
        in Python. Calls known only to read (the builtins notedeck models, str methods,
        ``print``, ``fit``…) change nothing themselves, but a function handed to them may run.
        """
        handed = [func, *args, *kwargs.values()]
        if self.reads_only(func, node):
            handed = [v for v in handed if isinstance(v, Function)]
        self.hand_values(handed, f"`{_short(node)}` ({self.at(node.lineno)})")

    def hand_values(self, values: list[Any], where: str) -> None:
        """Forget every list or dict reachable from values that code notedeck does not have now holds."""
        for value in self.reachable(values, where):
            self.forget(value, f"handed to {where}, which may have changed it")

    def reads_only(self, func: Any, node: ast.Call) -> bool:
        """Whether a call notedeck does not evaluate still never changes the values it receives."""
        if isinstance(func, Builtin) or _short(node.func).rsplit(".", 1)[-1] in HARMLESS_CALLS:
            return True
        if isinstance(func, PyMethod):
            return _reading_method(func)
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        return name in _READING_BUILTINS and func == _python_builtin(name)

    def reachable(self, values: list[Any], call: str) -> list[list[Any] | dict[Any, Any]]:
        """The lists and dicts code holding these values can change (through tuples, methods, functions)."""
        found: dict[int, list[Any] | dict[Any, Any]] = {}
        seen: set[int] = set()
        stack = list(values)
        while stack:
            value = stack.pop()
            if not isinstance(value, list | dict | tuple | PyMethod | Function) or id(value) in seen:
                continue
            seen.add(id(value))
            if isinstance(value, list | tuple):
                stack.extend(value)
            elif isinstance(value, dict):
                stack.extend([*value.keys(), *value.values()])
            elif isinstance(value, PyMethod):
                stack.append(value.owner)
            else:
                stack.extend(self.function_reach(value, call))
            if isinstance(value, list | dict):
                found[id(value)] = value
        return list(found.values())

    def function_reach(self, func: Function, call: str) -> list[Any]:
        """What a function may change when code notedeck does not follow calls it.

        Its mutable defaults and every value it names in an enclosing scope; names it
        declares ``global`` or ``nonlocal`` may be bound to anything, so they become unknown.
        """
        names = {n.id for n in ast.walk(func.node) if isinstance(n, ast.Name)}
        rebound = {
            name for n in ast.walk(func.node) if isinstance(n, ast.Global | ast.Nonlocal) for name in n.names
        }
        scopes = (*func.closure, self.globals)
        reach: list[Any] = [*func.defaults, *func.kw_defaults.values()]
        for scope in scopes:
            reach += [scope[name] for name in names if name in scope]
            for name in rebound & scope.keys():
                scope[name] = Unresolved(f"'{name}' may be set by {func.name}(), handed to {call}")
        return reach

    def forget(self, value: list[Any] | dict[Any, Any], how: str) -> None:
        """Mark a list or dict as unknown from now on, wherever it is held (``how`` says why).

        Reads of it as a whole give the reason (:meth:`known`); its items are replaced by
        that reason too, so nothing that looks inside it (builtins, comparisons, Keras
        arguments) can see the contents it had before the call.
        """
        if id(value) in self.changed:
            return
        kind = "list" if isinstance(value, list) else "dict"
        reason = Unresolved(f"a {kind} {how}")
        self.changed[id(value)] = (value, reason)
        if isinstance(value, list):
            value[:] = [reason]
        else:
            value.clear()
            value[reason] = reason

    def changed_reason(self, values: list[Any]) -> Unresolved | None:
        """Why these values are unknown, if it is because code notedeck does not follow had them."""
        if not self.changed:
            return None
        unknown = unresolved_in(values)
        return unknown if unknown in {reason for _, reason in self.changed.values()} else None

    def known(self, value: Any) -> Any:
        """``value``, or the reason it is unknown if code notedeck does not follow may have changed it."""
        if not self.changed or not isinstance(value, list | dict):
            return value
        entry = self.changed.get(id(value))
        return entry[1] if entry is not None and entry[0] is value else value

    # -- statements

    def top_level(self, tree: ast.Module) -> None:
        """The module's statements; a stray ``break``, ``continue`` or ``return`` is Python's SyntaxError."""
        for stmt in tree.body:
            try:
                self.statement(stmt)
            except (_Break, _Continue):
                raise Rejected(
                    stmt.lineno, "'break' or 'continue' outside a loop (a Python syntax error)"
                ) from None
            except _Return:
                raise Rejected(stmt.lineno, "'return' outside a function (a Python syntax error)") from None

    def block(self, body: Sequence[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        self.step(stmt.lineno)
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            self.import_(stmt)
        elif isinstance(stmt, ast.Assign):
            value = self.eval(stmt.value)
            for target in stmt.targets:
                self.assign(target, value)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.assign(stmt.target, self.eval(stmt.value))
        elif isinstance(stmt, ast.AugAssign):
            current = self.eval(_load(stmt.target))
            value = self.eval(stmt.value)
            items = self.iterate(value) if isinstance(current, list) else None
            if isinstance(stmt.op, ast.Add) and items is not None and len(current) + len(items) <= MAX_ITEMS:
                current.extend(items)  # `convs += [x]` changes the list in place, as in Python
            else:
                self.assign(stmt.target, self.binop(stmt.op, current, value, stmt.lineno))
        elif isinstance(stmt, ast.Expr):
            self.eval(stmt.value)
        elif isinstance(stmt, ast.If):
            self.if_(stmt)
        elif isinstance(stmt, ast.For):
            self.for_(stmt)
        elif isinstance(stmt, ast.While):
            self.while_(stmt)
        elif isinstance(stmt, ast.Break):
            raise _Break
        elif isinstance(stmt, ast.Continue):
            raise _Continue
        elif isinstance(stmt, ast.With):
            for item in stmt.items:
                self.eval(item.context_expr)
                if item.optional_vars is not None:
                    self.assign(
                        item.optional_vars, Unresolved(f"a 'with … as' value ({self.at(stmt.lineno)})")
                    )
            self.block(stmt.body)
        elif isinstance(stmt, ast.Try):
            # The code as written runs without an exception (a handler would mean it failed).
            self.block(stmt.body)
            self.block(stmt.orelse)
            self.block(stmt.finalbody)
        elif isinstance(stmt, ast.FunctionDef):
            self.frame.env[stmt.name] = self.define(stmt)
        elif isinstance(stmt, ast.ClassDef):
            self.frame.env[stmt.name] = self.class_hook(stmt)
        elif isinstance(stmt, ast.Return):
            raise _Return(self.eval(stmt.value) if stmt.value is not None else None)
        elif isinstance(stmt, ast.Global | ast.Nonlocal):
            self.frame.globals_.update(stmt.names)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                self.delete(target)
        elif isinstance(stmt, ast.Raise):
            raise self.cannot_follow(stmt.lineno, "code that raises an exception")
        elif isinstance(stmt, ast.Pass | ast.Assert):
            pass
        else:
            self.undecided(stmt, f"the '{type(stmt).__name__.lower()}' statement")

    def delete(self, target: ast.expr) -> None:
        """``del name`` or ``del items[key]`` (Python's IndexError and KeyError included)."""
        if isinstance(target, ast.Name):
            self.frame.env.pop(target.id, None)
        elif isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                self.delete(elt)
        elif isinstance(target, ast.Subscript | ast.Attribute):
            container = self.eval(target.value)
            if isinstance(container, list | dict):
                self.delete_item(container, target)
            elif self.is_mutable_model_value(container):
                raise self.cannot_follow(target.lineno, f"`del {_short(target)}`")

    def delete_item(
        self, container: list[Any] | dict[Any, Any], target: ast.Subscript | ast.Attribute
    ) -> None:
        """``del items[key]``: done when the key is known, Python's error when it is missing."""
        index = target.slice if isinstance(target, ast.Subscript) else None
        if isinstance(index, ast.Slice) and isinstance(container, list):
            bounds = [None if p is None else self.eval(p) for p in (index.lower, index.upper, index.step)]
            if all(b is None or (isinstance(b, int) and not isinstance(b, bool)) for b in bounds):
                del container[slice(*bounds)]
                return
        elif index is not None:
            key = self.eval(index)
            if isinstance(container, dict) and _hashable(key):
                if key not in container:
                    raise Rejected(target.lineno, f"KeyError: {key!r}")
                del container[key]
                return
            if isinstance(container, list) and isinstance(key, int) and not isinstance(key, bool):
                if not -len(container) <= key < len(container):
                    raise Rejected(target.lineno, "list assignment index out of range")
                del container[key]
                return
        raise self.cannot_follow(target.lineno, f"`del {_short(target)}`")

    def import_(self, stmt: ast.Import | ast.ImportFrom) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.frame.env[alias.asname] = Module(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    self.frame.env[top] = Module(top)
            return
        base = Module(stmt.module or "")
        for alias in stmt.names:
            if alias.name == "*":
                self.star_import(base, stmt.lineno)
            else:
                self.frame.env[alias.asname or alias.name] = self.attribute(base, alias.name, stmt.lineno)

    def star_import(self, module: Module, line: int) -> None:
        """``from m import *``: unknown names may come from ``m`` (see :meth:`name`)."""
        self.globals.setdefault("*", []).append((module, line))

    def if_(self, stmt: ast.If) -> None:
        test = self.eval(stmt.test)
        if not self.decided(test, stmt.lineno):
            self.undecided(stmt, f"`if {_short(stmt.test)}:`", "whether the condition holds is not known")
            return
        self.block(stmt.body if test else stmt.orelse)

    def decided(self, value: Any, line: int = 0) -> bool:
        if isinstance(value, Undefined):
            raise Rejected(value.line or line, f"name '{value.name}' is not defined")
        # A module attribute (``settings.flag``) is a value notedeck does not know.
        return isinstance(value, PLAIN) or not isinstance(value, Unresolved | Module)

    def undecided(self, stmt: ast.stmt, what: str, why: str = "") -> None:
        """A statement whose effect notedeck cannot decide: fatal unless it cannot touch a model."""
        if not _inert(stmt):
            raise self.cannot_follow(stmt.lineno, what, why)
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.frame.env[node.id] = Unresolved(
                    f"'{node.id}' is set under {what} ({self.at(stmt.lineno)}), and {why}"
                )

    def for_(self, stmt: ast.For) -> None:
        value = self.eval(stmt.iter)
        items = self.iterate(value)
        if items is None:
            why = "the items the loop goes through are not known"
            if isinstance(value, tuple | list | dict | str) or (
                isinstance(value, Unresolved) and value.reason.startswith("a range too long")
            ):
                why = f"it goes round more than {MAX_LOOP:,} times"
            handed = self.changed_reason([value])
            if handed is not None:
                why = f"its items are not known: {handed.reason}"
            self.undecided(stmt, f"`for … in {_short(stmt.iter)}:`", why)
            return
        for item in items:
            self.assign(stmt.target, item)
            if not self.turn(stmt.body):
                return
        self.block(stmt.orelse)

    def while_(self, stmt: ast.While) -> None:
        for turn in range(MAX_LOOP + 1):
            test = self.eval(stmt.test)
            if not self.decided(test, stmt.lineno) or turn == MAX_LOOP:
                if turn:
                    raise self.cannot_follow(
                        stmt.lineno, f"`while {_short(stmt.test)}:`", "when the loop ends is not known"
                    )
                self.undecided(
                    stmt, f"`while {_short(stmt.test)}:`", "whether the condition holds is not known"
                )
                return
            if not test:
                break
            if not self.turn(stmt.body):
                return
        self.block(stmt.orelse)

    def turn(self, body: list[ast.stmt]) -> bool:
        """One turn of a loop's body; False when a ``break`` ends the loop (its ``else`` skipped)."""
        try:
            self.block(body)
        except _Continue:
            pass
        except _Break:
            return False
        return True

    def iterate(self, value: Any) -> list[Any] | None:
        """The items a ``for`` goes through, or ``None`` when notedeck cannot know them."""
        value = self.known(value)
        if isinstance(value, dict):
            value = list(value)
        if isinstance(value, str):
            value = list(value)
        if isinstance(value, tuple | list) and len(value) <= MAX_LOOP:
            return list(value)
        return None

    def assign(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.store(target.id, value)
        elif isinstance(target, ast.Tuple | ast.List):
            self.unpack(target, value)
        elif isinstance(target, ast.Subscript):
            self.store_item(target, value)
        elif isinstance(target, ast.Attribute):
            base = self.eval(target.value)
            if isinstance(base, Unresolved | Module):
                # An object notedeck does not know keeps it, and its methods may change it later.
                self.hand_values([value], f"`{_short(target)}` ({self.at(target.lineno)})")
            self.store_attribute_hook(base, target.attr, value, target.lineno)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value)

    def store(self, name: str, value: Any) -> None:
        if name in self.frame.globals_:
            for scope in self.frame.closure:
                if name in scope:
                    scope[name] = value
                    return
            self.globals[name] = value
        else:
            self.frame.env[name] = value

    def unpack(self, target: ast.Tuple | ast.List, value: Any) -> None:
        items = self.iterate(value)
        stars = [i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred)]
        fits = items is not None and (
            len(items) == len(target.elts) if not stars else len(items) >= len(target.elts) - 1
        )
        if items is None or not fits:
            if items is not None:
                raise Rejected(
                    target.lineno, f"cannot unpack {len(items)} values into {len(target.elts)} names"
                )
            unknown = self.known(value)
            if not isinstance(unknown, Unresolved):
                unknown = Unresolved(
                    f"it is unpacked from a value notedeck does not know ({self.at(target.lineno)})"
                )
            for elt in target.elts:
                self.assign(elt, unknown)
            return
        assert items is not None
        if stars:
            s = stars[0]
            tail = len(target.elts) - s - 1
            parts = [*items[:s], items[s : len(items) - tail], *items[len(items) - tail :]]
        else:
            parts = items
        for elt, item in zip(target.elts, parts, strict=True):
            self.assign(elt, item)

    def store_item(self, target: ast.Subscript, value: Any) -> None:
        """``items[key] = value`` and ``items[a:b] = values``, as Python does them.

        With a key or slice notedeck does not know, the list or dict is unknown from then
        on; what a container notedeck does not know receives is handed over to it.
        """
        container = self.eval(target.value)
        if isinstance(target.slice, ast.Slice):
            if not self.store_slice(container, target.slice, value, target.lineno):
                self.store_unknown(container, target, value)
            return
        key: Any = self.eval(target.slice)
        if (isinstance(container, dict) and _hashable(key)) or (
            isinstance(container, list) and isinstance(key, int) and -len(container) <= key < len(container)
        ):
            container[key] = value
        elif isinstance(container, list) and isinstance(key, int):
            raise Rejected(target.lineno, "list assignment index out of range")
        else:
            self.store_unknown(container, target, value)

    def store_slice(self, container: Any, index: ast.Slice, value: Any, line: int) -> bool:
        """``items[a:b] = values`` on a plain list with known bounds; ``False`` when not followed."""
        bounds = [None if p is None else self.eval(p) for p in (index.lower, index.upper, index.step)]
        items = self.iterate(value)
        if not isinstance(container, list) or items is None:
            return False
        if not all(b is None or (isinstance(b, int) and not isinstance(b, bool)) for b in bounds):
            return False
        if len(container) + len(items) > MAX_ITEMS:
            return False
        try:
            container[slice(*bounds)] = items
        except ValueError as exc:
            raise Rejected(line, f"ValueError: {exc}") from None
        return True

    def store_unknown(self, container: Any, target: ast.Subscript, value: Any) -> None:
        """A store notedeck cannot place: what it changes (and what it hands over) is unknown after."""
        if self.is_model_value(value):
            raise self.cannot_follow(target.lineno, f"the assignment to {_short(target)}")
        where = f"`{_short(target)}` ({self.at(target.lineno)})"
        if isinstance(container, list | dict):
            self.forget(container, f"changed by the assignment to {where}, where notedeck cannot tell")
        elif isinstance(container, Unresolved | Module):
            self.hand_values([value], where)

    # -- functions

    def define(self, node: ast.FunctionDef | ast.Lambda) -> Function:
        args = node.args
        defaults = [self.eval(d) for d in args.defaults]
        kw_defaults = {
            a.arg: self.eval(d)
            for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
            if d is not None
        }
        closure = (self.frame.env, *self.frame.closure) if self.frame.env is not self.globals else ()
        name = node.name if isinstance(node, ast.FunctionDef) else "<lambda>"
        return Function(node, defaults, kw_defaults, closure, name)

    def call_function(self, func: Function, args: list[Any], kwargs: dict[str, Any], line: int) -> Any:
        if self.depth >= MAX_DEPTH:
            raise self.cannot_follow(line, f"{func.name}(): the calls nest too deeply")
        env = self.bind(func, args, kwargs, line)
        saved = self.frame
        self.frame = Frame(env, func.closure)
        self.depth += 1
        try:
            if isinstance(func.node, ast.Lambda):
                return self.eval(func.node.body)
            self.block(func.node.body)
            return None
        except _Return as ret:
            return ret.value
        except (_Break, _Continue):
            raise Rejected(line, "'break' or 'continue' outside a loop") from None
        finally:
            self.depth -= 1
            self.frame = saved

    def bind(self, func: Function, args: list[Any], kwargs: dict[str, Any], line: int) -> dict[str, Any]:
        """Python's argument binding; a call Python would refuse is rejected with Python's reason."""
        spec = func.node.args
        params = [*spec.posonlyargs, *spec.args]
        env: dict[str, Any] = {}
        kwargs = dict(kwargs)
        first_default = len(params) - len(func.defaults)
        for i, param in enumerate(params):
            if i < len(args):
                if param.arg in kwargs and i >= len(spec.posonlyargs):
                    raise Rejected(line, f"{func.name}() got multiple values for argument '{param.arg}'")
                env[param.arg] = args[i]
            elif param.arg in kwargs and i >= len(spec.posonlyargs):
                env[param.arg] = kwargs.pop(param.arg)
            elif i >= first_default:
                env[param.arg] = func.defaults[i - first_default]
            else:
                raise Rejected(line, f"{func.name}() is missing the argument '{param.arg}'")
        extra = args[len(params) :]
        if spec.vararg is not None:
            env[spec.vararg.arg] = tuple(extra)
        elif extra:
            raise Rejected(line, f"{func.name}() takes {len(params)} positional arguments, got {len(args)}")
        for param in spec.kwonlyargs:
            if param.arg in kwargs:
                env[param.arg] = kwargs.pop(param.arg)
            elif param.arg in func.kw_defaults:
                env[param.arg] = func.kw_defaults[param.arg]
            else:
                raise Rejected(line, f"{func.name}() is missing the keyword argument '{param.arg}'")
        # A positional-only parameter's name stays free for **kwargs (and is refused without it).
        for name in [p.arg for p in spec.args if p.arg in kwargs]:
            kwargs.pop(name)
        if spec.kwarg is not None:
            env[spec.kwarg.arg] = kwargs
        elif kwargs:
            raise Rejected(line, f"{func.name}() got an unexpected keyword argument '{next(iter(kwargs))}'")
        return env

    # -- expressions

    def eval(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            if node.value is Ellipsis:  # ``x = ...``: a placeholder in a book or tutorial snippet
                return Unresolved(f"the placeholder '...' ({self.at(node.lineno)})")
            return node.value
        if isinstance(node, ast.Name):
            value = self.name(node.id)
            if isinstance(value, Undefined) and not value.line:
                return Undefined(value.name, node.lineno)
            return self.known(value)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.eval(node.value), node.attr, node.lineno)
        if isinstance(node, ast.Tuple):
            return tuple(self.items(node.elts))
        if isinstance(node, ast.List):
            return self.items(node.elts)
        if isinstance(node, ast.Dict):
            return self.dict_(node)
        if isinstance(node, ast.BinOp):
            return self.binop(node.op, self.eval(node.left), self.eval(node.right), node.lineno)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node.op, self.eval(node.operand), node.lineno)
        if isinstance(node, ast.BoolOp):
            return self.boolop(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.IfExp):
            test = self.eval(node.test)
            if not self.decided(test):
                return Unresolved(f"the conditional expression {_short(node)} ({self.at(node.lineno)})")
            return self.eval(node.body if test else node.orelse)
        if isinstance(node, ast.Subscript):
            return self.known(self.subscript(self.eval(node.value), node.slice, node.lineno))
        if isinstance(node, ast.Call):
            return self.known(self.call(node))
        if isinstance(node, ast.JoinedStr):
            return self.fstring(node)
        if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp):
            return self.comprehension(node)
        if isinstance(node, ast.Lambda):
            return self.define(node)
        if isinstance(node, ast.NamedExpr):
            value = self.eval(node.value)
            self.assign(node.target, value)
            return value
        return Unresolved(f"the expression {_short(node)} ({self.at(node.lineno)})")

    def items(self, elts: Sequence[ast.expr]) -> list[Any]:
        out: list[Any] = []
        for elt in elts:
            if isinstance(elt, ast.Starred):
                values = self.iterate(self.eval(elt.value))
                if values is None:
                    return [Unresolved(f"a list with *{_short(elt.value)} ({self.at(elt.lineno)})")]
                out += [self.known(v) for v in values]
            else:
                out.append(self.eval(elt))
        return out

    def dict_(self, node: ast.Dict) -> Any:
        out: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                merged = self.eval(value)
                if not isinstance(merged, dict):
                    return Unresolved(f"a dict with **{_short(value)} ({self.at(node.lineno)})")
                out.update(merged)
                continue
            k = self.eval(key)
            if not _hashable(k):
                return Unresolved(f"a dict with the key {_short(key)} ({self.at(node.lineno)})")
            out[k] = self.eval(value)
        return out

    def name(self, name: str) -> Any:
        if name in self.frame.env:
            return self.frame.env[name]
        for scope in self.frame.closure:
            if name in scope:
                return scope[name]
        if name in self.globals:
            return self.globals[name]
        found = self.name_hook(name)
        if isinstance(found, Undefined) and name in BUILTINS | {"True", "False", "None"}:
            return Builtin(name)
        if isinstance(found, Undefined) and name in _PYTHON_BUILTINS:
            return _python_builtin(name)  # defined in Python (map, getattr, __debug__, …)
        return found

    def attribute(self, base: Any, attr: str, line: int) -> Any:
        if isinstance(base, Undefined | Unresolved):
            return base
        if isinstance(base, dict | list | str) and not attr.startswith("_"):
            return PyMethod(base, attr)
        return self.attribute_hook(base, attr, line)

    def binop(self, op: ast.operator, left: Any, right: Any, line: int) -> Any:
        for side in (left, right):
            if isinstance(side, Undefined | Unresolved):
                return side
        try:
            return _arith(op, left, right)
        except (KeyError, ZeroDivisionError, OverflowError, TypeError, ValueError):
            pass
        return Unresolved(f"the operation {type(op).__name__} on these values ({self.at(line)})")

    def unary(self, op: ast.unaryop, value: Any, line: int) -> Any:
        if isinstance(value, Undefined | Unresolved):
            return value
        if isinstance(op, ast.Not) and self.decided(value):
            return not value
        if _number(value) and isinstance(op, ast.USub | ast.UAdd):
            return -value if isinstance(op, ast.USub) else value
        return Unresolved(f"an operation ({self.at(line)})")

    def boolop(self, node: ast.BoolOp) -> Any:
        value: Any = None
        for expr in node.values:
            value = self.eval(expr)
            if not self.decided(value):
                return Unresolved(f"the condition {_short(node)} ({self.at(node.lineno)})")
            if isinstance(node.op, ast.And) and not value:
                return value
            if isinstance(node.op, ast.Or) and value:
                return value
        return value

    def compare(self, node: ast.Compare) -> Any:
        left = self.eval(node.left)
        for op, expr in zip(node.ops, node.comparators, strict=True):
            right = self.eval(expr)
            result = _comparison(op, left, right)
            if result is None:
                return Unresolved(f"the comparison {_short(node)} ({self.at(node.lineno)})")
            if not result:
                return False
            left = right
        return True

    def subscript(self, value: Any, index: ast.expr, line: int) -> Any:
        if isinstance(value, Undefined | Unresolved):
            return value
        try:
            if isinstance(index, ast.Slice):
                parts = [None if p is None else self.eval(p) for p in (index.lower, index.upper, index.step)]
                if isinstance(value, tuple | list | str) and all(
                    p is None or isinstance(p, int) for p in parts
                ):
                    return value[slice(*parts)]
            else:
                key = self.eval(index)
                if (
                    isinstance(value, tuple | list | str)
                    and isinstance(key, int)
                    and not isinstance(key, bool)
                ):
                    return value[key]
                if isinstance(value, dict) and _hashable(key):
                    if key not in value:
                        raise Rejected(line, f"KeyError: {key!r}")
                    return value[key]
        except IndexError:
            raise Rejected(line, "index out of range") from None
        except ValueError:
            pass
        return Unresolved(f"the item {_short(index)} of a value notedeck does not know ({self.at(line)})")

    def fstring(self, node: ast.JoinedStr) -> Any:
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
                continue
            assert isinstance(value, ast.FormattedValue)
            inner = self.eval(value.value)
            spec = self.eval(value.format_spec) if value.format_spec is not None else ""
            if (
                not isinstance(inner, int | float | str)
                or not isinstance(spec, str)
                or not _SAFE_SPEC.fullmatch(spec)
            ):
                return Unresolved(f"the f-string {_short(node)} ({self.at(node.lineno)})")
            conv = _CONVERSIONS.get(value.conversion)
            parts.append(format(conv(inner) if conv else inner, spec))
        return "".join(parts)

    def comprehension(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp) -> Any:
        saved = self.frame
        self.frame = Frame(dict(saved.env), saved.closure, saved.globals_)
        out: list[Any] = []
        try:
            if not self.generate(node, 0, out):
                return Unresolved(f"the comprehension {_short(node)} ({self.at(node.lineno)})")
        finally:
            self.frame = saved
        if isinstance(node, ast.DictComp):
            if not all(_hashable(k) for k, _ in out):
                return Unresolved(f"the comprehension {_short(node)} ({self.at(node.lineno)})")
            return dict(out)
        if isinstance(node, ast.SetComp):
            return Unresolved(f"a set ({self.at(node.lineno)})")
        return out

    def generate(
        self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp, i: int, out: list[Any]
    ) -> bool:
        if i == len(node.generators):
            self.step(node.lineno)
            if isinstance(node, ast.DictComp):
                out.append((self.eval(node.key), self.eval(node.value)))
            else:
                out.append(self.eval(node.elt))
            return len(out) <= MAX_ITEMS
        gen = node.generators[i]
        items = self.iterate(self.eval(gen.iter))
        if items is None:
            return False
        for item in items:
            self.assign(gen.target, item)
            tests = [self.eval(t) for t in gen.ifs]
            if not all(self.decided(t) for t in tests):
                return False
            if all(tests) and not self.generate(node, i + 1, out):
                return False
        return True

    # -- calls

    def call(self, node: ast.Call) -> Any:
        func = self.eval(node.func)
        args = self.items(node.args)
        kwargs: dict[str, Any] = {}
        unknown = any(isinstance(a, Unresolved) and a.reason.startswith("a list with *") for a in args)
        for kw in node.keywords:
            value = self.eval(kw.value)
            if kw.arg is not None:
                kwargs[kw.arg] = value
            elif isinstance(value, dict) and all(isinstance(k, str) for k in value):
                kwargs.update({k: self.known(v) for k, v in value.items()})
            else:
                unknown = True
        if unknown:
            if self.is_model_value(func) or any(self.is_model_value(v) for v in [*args, *kwargs.values()]):
                raise self.cannot_follow(node.lineno, f"the *args or **kwargs of {_short(node.func)}()")
            self.hand_over(func, args, kwargs, node)
            return Unresolved(
                f"{_short(node.func)}() with *args or **kwargs it does not know ({self.at(node.lineno)})"
            )
        if isinstance(func, Function):
            return self.call_function(func, args, kwargs, node.lineno)
        if isinstance(func, Builtin):
            return self.builtin(func.name, args, kwargs, node)
        if isinstance(func, PyMethod):
            return self.py_method(func, args, kwargs, node)
        return self.call_hook(func, args, kwargs, node)

    def builtin(self, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if name == "print":
            return None
        plain_kwargs = all(_plain_deep(v) for v in kwargs.values())
        if (
            name in _CONTAINER_BUILTINS
            and plain_kwargs
            and all(isinstance(a, tuple | list | dict | str) for a in args)
        ):
            try:
                return _BUILTINS[name](*args, **kwargs)
            except (TypeError, ValueError):
                pass
        if plain_kwargs and all(_plain_deep(a) for a in args):
            try:
                result = _BUILTINS[name](*args, **kwargs)
            except (KeyError, TypeError, ValueError, OverflowError):
                result = None
            else:
                if result is None and name == "range":
                    return Unresolved(f"a range too long to follow ({self.at(node.lineno)})")
                if not isinstance(result, list) or len(result) <= MAX_ITEMS:
                    return result
        if name == "isinstance":
            return Unresolved(f"isinstance() ({self.at(node.lineno)})")
        return self.opaque_call(Builtin(name), args, kwargs, node)

    def py_method(self, method: PyMethod, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        owner, name = method.owner, method.name
        if (
            isinstance(owner, list)
            and name in ("append", "extend", "insert", "pop", "reverse")
            and not kwargs
        ):
            if name == "extend":
                items = self.iterate(args[0]) if len(args) == 1 else None
                if items is None:
                    raise self.cannot_follow(node.lineno, f"{_short(node.func)}()")
                args = [items]
            if len(owner) > MAX_ITEMS:
                raise self.cannot_follow(node.lineno, "a list this long")
            try:
                return getattr(owner, name)(*args)
            except (TypeError, IndexError):
                raise Rejected(node.lineno, f"{_short(node.func)}() fails in Python") from None
        if isinstance(owner, dict) and name in ("items", "keys", "values"):
            return [*getattr(owner, name)()]
        if isinstance(owner, dict) and name in ("get", "setdefault", "update", "copy", "pop") and not kwargs:
            if name == "update" and not (len(args) == 1 and isinstance(args[0], dict)):
                raise self.cannot_follow(node.lineno, f"{_short(node.func)}()")
            if name in ("get", "setdefault", "pop") and not (args and _hashable(args[0])):
                return Unresolved(f"{_short(node.func)}() ({self.at(node.lineno)})")
            try:
                return getattr(owner, name)(*args)
            except (TypeError, KeyError):
                raise Rejected(node.lineno, f"{_short(node.func)}() fails in Python") from None
        if (
            isinstance(owner, str)
            and name in _STR_METHODS
            and all(_plain_deep(a) for a in args)
            and not kwargs
        ):
            if not _small_text(owner, args) or (name == "format" and not _safe_format(owner)):
                return Unresolved(f"str.{name}() ({self.at(node.lineno)})")
            try:
                return getattr(owner, name)(*args)
            except (TypeError, ValueError, IndexError, KeyError):
                return Unresolved(f"str.{name}() ({self.at(node.lineno)})")
        if isinstance(owner, list) and name in ("sort", "remove", "clear"):
            return self.list_change(owner, name, args, kwargs, node)
        if isinstance(owner, list) and name in ("index", "count", "copy"):
            try:
                return getattr(owner, name)(*args)
            except (TypeError, ValueError):
                pass
        return self.opaque_call(method, args, kwargs, node)

    def list_change(
        self, owner: list[Any], name: str, args: list[Any], kwargs: dict[str, Any], node: ast.Call
    ) -> None:
        """``sort``, ``remove`` and ``clear`` of plain lists, as Python does them; otherwise not followed."""
        plain = _plain_deep(owner) and all(_plain_deep(a) for a in [*args, *kwargs.values()])
        if name == "clear" and not args and not kwargs:
            owner.clear()
            return None
        if not plain or (name == "sort" and (args or set(kwargs) - {"reverse"})):
            raise self.cannot_follow(node.lineno, f"{_short(node.func)}()")
        try:
            getattr(owner, name)(*args, **kwargs)
        except (TypeError, ValueError):
            raise Rejected(node.lineno, f"{_short(node.func)}() fails in Python") from None
        return None


# ---------------------------------------------------------------- plain Python


_PYTHON_BUILTINS = frozenset(dir(builtins))
"""Every name Python itself defines; notedeck never calls one of them undefined."""
_CONVERSIONS: dict[int, Callable[[Any], str]] = {115: str, 114: repr, 97: ascii}
"""f-string conversions ``!s``, ``!r``, ``!a`` by their code."""
_CONTAINER_BUILTINS = frozenset(("len", "list", "tuple", "enumerate", "zip", "reversed"))
"""Builtins that only look at a container's length or order, whatever it holds (layers too)."""
_STR_METHODS = frozenset(
    [
        "format",
        "upper",
        "lower",
        "title",
        "capitalize",
        "strip",
        "replace",
        "join",
        "split",
        "startswith",
        "endswith",
    ]
)

_READING_BUILTINS = frozenset(
    [
        "map",
        "filter",
        "set",
        "frozenset",
        "iter",
        "repr",
        "ascii",
        "format",
        "hash",
        "id",
        "type",
        "getattr",
        "hasattr",
        "callable",
        "divmod",
        "pow",
        "chr",
        "ord",
        "bin",
        "oct",
        "hex",
    ]
)
"""Python builtins notedeck does not evaluate that never change what they receive."""
_READING_METHODS: dict[type, frozenset[str]] = {
    list: frozenset(["index", "count", "copy"]),
    dict: frozenset(["get", "keys", "values", "items", "copy"]),
}
"""Methods of plain lists and dicts that only read them (every str method does)."""


def _python_builtin(name: str) -> Unresolved:
    """A Python builtin notedeck does not model: its value is unknown, but it is never undefined."""
    return Unresolved(f"the builtin '{name}'")


def _reading_method(method: PyMethod) -> bool:
    if isinstance(method.owner, str):
        return True
    return method.name in _READING_METHODS.get(type(method.owner), frozenset())


def _sorted(items: Any) -> list[Any]:
    return sorted(items)


_BUILTINS: dict[str, Callable[..., Any]] = {
    "range": lambda *a: list(range(*a)) if len(range(*a)) <= MAX_LOOP else None,
    "len": len,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "tuple": tuple,
    "list": list,
    "dict": dict,
    "enumerate": lambda it, start=0: list(enumerate(it, start)),
    "zip": lambda *its: list(zip(*its, strict=False)),
    "reversed": lambda it: list(reversed(it)),
    "sorted": _sorted,
    "min": min,
    "max": max,
    "sum": sum,
    "abs": abs,
    "round": round,
    "any": any,
    "all": all,
}


def _arith(op: ast.operator, left: Any, right: Any) -> Any:
    if _number(left) and _number(right):
        if isinstance(op, ast.Pow) and (abs(right) > 64 or abs(left) > 10**6):
            raise ValueError
        value = _ARITH[type(op)](left, right)
        if abs(value) > 10**15:
            raise ValueError  # beyond any real layer size
        return value
    if isinstance(op, ast.Add) and type(left) is type(right) and isinstance(left, tuple | list | str):
        if len(left) + len(right) > MAX_ITEMS:
            raise ValueError
        return left + right
    if isinstance(op, ast.Mult) and isinstance(left, tuple | list | str) and isinstance(right, int):
        if len(left) * right > MAX_ITEMS:
            raise ValueError
        return left * right
    if isinstance(op, ast.Mod) and isinstance(left, str) and _plain_deep(right) and "%" in left:
        if re.search(r"%[^a-z%]*(?:\d{3}|\*)", left) or not _small_text(left, [right]):
            raise ValueError
        return left % right
    raise TypeError


_ARITH: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
    ast.Pow: lambda a, b: a**b,
}


def _comparison(op: ast.cmpop, left: Any, right: Any) -> bool | None:
    if isinstance(op, ast.Is | ast.IsNot):
        if left is None or right is None or isinstance(left, bool) or isinstance(right, bool):
            same = left is right
            return same if isinstance(op, ast.Is) else not same
        return None
    if not (_plain_deep(left) and _plain_deep(right)):
        return None
    try:
        return bool(_COMPARE[type(op)](left, right))
    except (TypeError, KeyError):
        return None


_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


def _small_text(text: str, args: Sequence[Any]) -> bool:
    """Whether string formatting or a str method on these values stays small (no memory blow-up)."""
    longest = max([len(str(a)) for a in args] or [0])
    return len(text) * (longest + 1) <= 100_000


def _safe_format(text: str) -> bool:
    """A ``str.format`` template whose fields all have small, literal format specs."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return False
    return all(spec is None or ("{" not in spec and _SAFE_SPEC.fullmatch(spec)) for _, _, spec, _ in fields)


def _number(value: Any) -> bool:
    return isinstance(value, int | float)


def _hashable(value: Any) -> bool:
    return isinstance(value, bool | int | float | str | type(None)) or (
        isinstance(value, tuple) and all(_hashable(v) for v in value)
    )


def _plain_deep(value: Any) -> bool:
    """A value made only of plain Python data (safe to hand to a real builtin)."""
    if isinstance(value, bool | int | float | str | type(None)):
        return True
    if isinstance(value, tuple | list) and len(value) <= MAX_ITEMS:
        return all(_plain_deep(v) for v in value)
    if isinstance(value, dict) and len(value) <= MAX_ITEMS:
        return all(_plain_deep(k) and _plain_deep(v) for k, v in value.items())
    return False


def _load(target: ast.expr) -> ast.expr:
    """The expression reading what ``target`` stores to (for ``x += 1``)."""
    copy = ast.parse(ast.unparse(target), mode="eval").body
    return ast.copy_location(copy, target) if hasattr(target, "lineno") else copy


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "…"


def _inert(stmt: ast.stmt) -> bool:
    """Whether a statement's body can only set plain names.

    No calls (but harmless ones), no stores into objects, no returns.
    """
    body = [*getattr(stmt, "body", []), *getattr(stmt, "orelse", [])] if hasattr(stmt, "body") else [stmt]
    for node in (n for part in body for n in ast.walk(part)):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called not in HARMLESS_CALLS:
                return False
        if isinstance(node, ast.Return | ast.Yield | ast.YieldFrom | ast.Global | ast.Nonlocal):
            return False
        if isinstance(node, ast.Subscript | ast.Attribute) and isinstance(node.ctx, ast.Store):
            return False
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Lambda):
            return False
    return True


__all__ = [
    "BUILTINS",
    "HARMLESS_CALLS",
    "Builtin",
    "Frame",
    "Function",
    "Interpreter",
    "Module",
    "PyMethod",
    "Rejected",
    "Undefined",
    "Unresolved",
]
