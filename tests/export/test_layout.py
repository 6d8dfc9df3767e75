"""The layout holds: printable forms and exports never import a service, and no module-level
import cycle exists anywhere in the package."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "dangan"
# Known and deliberate: models.py imports web_models and team_models at its end so their tables
# join the one metadata (migrations, create_all); they need Base first.
ALLOWED = {("dangan.db.models", "dangan.db.web_models", "dangan.db.models"),
           ("dangan.db.models", "dangan.db.team_models", "dangan.db.models")}


def test_export_imports_no_service() -> None:
    code = ("import importlib, pkgutil, sys\nimport dangan.export as e\n"
            "for m in pkgutil.iter_modules(e.__path__):\n"
            "    importlib.import_module('dangan.export.' + m.name)\n"
            "print(sorted(k for k in sys.modules if k.startswith('dangan.services')))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True)
    assert out.stdout.strip() == "[]"


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _top_level_imports(path: Path, package: str) -> set[str]:
    """Modules imported when ``path`` is imported (not inside functions or TYPE_CHECKING)."""
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node) if not isinstance(node, (ast.FunctionDef,
                                                           ast.AsyncFunctionDef)) else ():
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                break
            if isinstance(sub, ast.Import):
                found.update(a.name for a in sub.names if a.name.startswith("dangan"))
            elif isinstance(sub, ast.ImportFrom) and sub.module:
                base = sub.module
                if sub.level:
                    keep = package.split(".")[:len(package.split(".")) - sub.level + 1]
                    base = ".".join([*keep, sub.module])
                if base.startswith("dangan"):
                    found.add(base)
                    found.update(f"{base}.{a.name}" for a in sub.names)
    return found


def test_no_import_cycles() -> None:
    modules = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        graph[name] = {m for m in _top_level_imports(path, package) if m in modules and m != name}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    # a package importing its own submodules is how packages work, not a cycle of design
    real = [c for c in cycles if not all(c[0].startswith(m) or m.startswith(c[0]) for m in c)
            and tuple(c) not in ALLOWED]
    assert real == [], "\n".join(" → ".join(c) for c in real)
