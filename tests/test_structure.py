"""The codebase's shape, read from its source: layers that import downwards only, no import
circle, one definition per constant, and the answer path free of TensorFlow."""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "models", "repl")
LAYER = {"core": 0, "models": 1, "repl": 2}  # a package imports its own layer or lower ones


def modules() -> dict[str, ast.Module]:
    """Every module of the three packages, by dotted name ("core.forward")."""
    return {f"{package}.{path.stem}": ast.parse(path.read_text(encoding="utf-8"))
            for package in PACKAGES for path in sorted((ROOT / package).glob("*.py"))}


def imported(name: str, tree: ast.Module) -> set[str]:
    """The package modules `name` imports, at module level or inside a function."""
    package = name.split(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package if node.level == 1 else None
            target = node.module or ""
            if node.level == 2:
                base, _, target = target.partition(".")
                target = target or None
            if base is None:
                continue
            if target:
                found.add(f"{base}.{target.split('.')[0]}")
            else:  # `from . import a, b`
                found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module.split(".")[1] != "__init__"}


def test_packages_import_their_own_layer_or_lower_ones():
    for name, tree in modules().items():
        for target in imported(name, tree):
            assert LAYER[target.split(".")[0]] <= LAYER[name.split(".")[0]], f"{name} imports {target}"


def test_no_import_circle():
    trees = modules()
    graph = {name: {t for t in imported(name, tree) if t in trees} for name, tree in trees.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            assert state.get(target) != 1, " -> ".join([*path, name, target])
            if target not in state:
                visit(target, [*path, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert len(state) == len(trees) > 40


def test_no_module_level_constant_is_defined_in_two_modules():
    defined = defaultdict(list)
    for name, tree in modules().items():
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for target in targets:
                if isinstance(target, ast.Name) and target.id.lstrip("_").isupper():
                    defined[target.id].append(name)
    twice = {constant: where for constant, where in defined.items() if len(where) > 1}
    assert not twice
    assert len(defined) > 50  # the walk sees the constants


def test_core_never_imports_tensorflow_or_keras():
    for name, tree in modules().items():
        if not name.startswith("core."):
            continue
        for node in ast.walk(tree):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [
                node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] in ("tensorflow", "keras") for n in names), name
            assert not (isinstance(node, ast.ImportFrom) and node.level == 2
                        and (node.module or "").startswith("models")), name
