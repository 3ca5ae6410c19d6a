"""The validation engine and the report builder import nothing from Flask, SQLAlchemy or meapp.extensions."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "meapp"
FORBIDDEN = ("flask", "flask_sqlalchemy", "flask_babel", "flask_login", "sqlalchemy", "meapp.extensions")
PURE = ["validation", "core", "reports/model.py", "reports/iptt.py", "reports/portfolio.py", "reports/metrics.py",
        "reports/docx.py", "reports/xlsx.py", "reports/chart.py"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def walk(package: str) -> set[str]:
    """Every module reached from the package through meapp.* imports, and what they import."""
    start = ROOT / package
    seen, todo, modules = set(), [start] if start.is_file() else list(start.rglob("*.py")), set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imported_modules(path):
            modules.add(name)
            if name.startswith("meapp."):
                target = ROOT.parent / (name.replace(".", "/") + ".py")
                package_init = ROOT.parent / name.replace(".", "/") / "__init__.py"
                todo.extend(p for p in (target, package_init) if p.exists())
    return modules


@pytest.mark.parametrize("package", PURE)
def test_pure_layers_import_no_framework(package):
    bad = sorted(m for m in walk(package) if m.split(".")[0] in FORBIDDEN or m.startswith(FORBIDDEN))
    assert not bad, f"meapp/{package} reaches {bad}"
