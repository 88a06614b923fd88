"""The shape of the house, kept by an AST scan of triage/ (imports inside functions
count too): one ticket core that imports no area, a text pipeline without a database,
FastAPI only in the HTTP face, no import of workers/, one place that builds outbox rows,
and a folder-level import graph without loops."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "triage"
TEXT_PIPELINE = ("text", "classify", "locations")
PLUMBING = {"triage.db", "triage.settings", "triage.errors", "triage.taxonomy"}
WEB_FRAMEWORKS = ("fastapi", "starlette")
# Folders that must not import one another in a loop: the core and the text pipeline.
NO_LOOP = {"tickets", "text", "classify", "locations", "routing"}
# Edges of the folder graph inside strongly connected components (arrows that run back
# up against any layering): none now, 59 on the graph before the house was redrawn (11
# areas and 5 root modules in one knot).
MAX_BACK_ARROWS = 8


@dataclass(frozen=True)
class Module:
    name: str  # triage.intake.service
    path: Path
    tree: ast.Module

    @property
    def relative(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    @property
    def area(self) -> str:
        """Its folder under triage/ ("intake"), or the root module's name ("cli")."""
        return self.name.split(".")[1] if "." in self.name else self.name


@cache
def modules() -> tuple[Module, ...]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append(Module(".".join(parts), path, ast.parse(path.read_text(), str(path))))
    return tuple(found)


def imports(module: Module) -> Iterator[str]:
    """Every module `module` imports, absolute (`from a import b` gives a.b when a.b is a
    module of triage, else a)."""
    known = {m.name for m in modules()}
    package = module.name if module.path.name == "__init__.py" \
        else module.name.rpartition(".")[0]
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [f"{base}.{alias.name}" for alias in node.names]
            inner = [name for name in names if name in known]
            yield from inner or [base]


def area_of(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] != "triage" or len(parts) < 2:
        return None
    return parts[1]


def in_web_face(module: Module) -> bool:
    path = module.relative
    return (path.startswith("triage/web/") or module.path.name in ("views.py", "deps.py")
            or path in ("triage/app.py", "triage/api_errors.py"))




def test_the_text_pipeline_imports_no_database() -> None:
    bad = [f"{m.relative} imports {name}" for m in modules()
           if m.area in TEXT_PIPELINE for name in imports(m)
           if name.split(".")[0] == "sqlalchemy" or name == "triage.db"
           or name.startswith("triage.db.") or name.split(".")[-1] == "models"
           or name == "triage.tables"]
    assert bad == []


def test_only_the_http_face_imports_fastapi_or_starlette() -> None:
    bad = [f"{m.relative} imports {name}" for m in modules() if not in_web_face(m)
           for name in imports(m) if name.split(".")[0] in WEB_FRAMEWORKS]
    assert bad == []


def test_nothing_under_triage_imports_workers() -> None:
    bad = [f"{m.relative} imports {name}" for m in modules() for name in imports(m)
           if name.split(".")[0] == "workers"]
    assert bad == []


def test_the_ticket_core_imports_no_area() -> None:
    bad = [f"{m.relative} imports {name}" for m in modules() if m.area == "tickets"
           for name in imports(m)
           if name.startswith("triage") and area_of(name) != "tickets"
           and not any(name == p or name.startswith(p + ".") for p in PLUMBING)]
    assert bad == []


def test_outbox_rows_are_built_by_the_outbox_only() -> None:
    bad = [f"{m.relative}:{node.lineno}" for m in modules() if m.area != "outbox"
           for node in ast.walk(m.tree)
           if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
           and node.func.id == "OutboxMessage"]
    assert bad == []


def folder_graph() -> dict[str, set[str]]:
    """Folder (or root module) -> the folders and root modules it imports."""
    graph: dict[str, set[str]] = defaultdict(set)
    for module in modules():
        source = module.area
        graph[source]  # every folder is a node, even one that imports nothing
        for name in imports(module):
            target = area_of(name)
            if target is not None and target != source:
                graph[source].add(target)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's components of `graph` (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
    return components


def back_arrows(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Edges inside a strongly connected component: no layering can put them all
    downwards."""
    component_of = {node: i for i, c in enumerate(strongly_connected(graph)) for node in c}
    return sorted((a, b) for a, targets in graph.items() for b in targets
                  if component_of[a] == component_of.get(b, -1))


def test_the_core_and_the_text_pipeline_import_each_other_in_no_loop() -> None:
    loops = [sorted(c & NO_LOOP) for c in strongly_connected(folder_graph())
             if len(c & NO_LOOP) > 1]
    assert loops == []


def test_few_arrows_run_back_up_the_folder_graph() -> None:
    arrows = back_arrows(folder_graph())
    assert len(arrows) <= MAX_BACK_ARROWS, arrows


def test_the_scan_sees_what_it_checks() -> None:
    """The rules above would pass on an empty scan: make sure it read the house."""
    graph = folder_graph()
    assert {"tickets", "text", "classify", "locations", "routing", "intake", "web"} <= set(graph)
    assert "tickets" in graph["routing"] and "text" in graph["locations"]
    assert back_arrows({"a": {"b"}, "b": {"a", "c"}, "c": set()}) == [("a", "b"), ("b", "a")]
