"""The rating engine imports no Django: it runs in a plain Python process."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import credo.rating.engine as engine

SRC = Path(__file__).resolve().parents[3] / "src"


def test_every_engine_module_imports_without_django():
    modules = [f"credo.rating.engine.{m.name}" for m in pkgutil.iter_modules(engine.__path__)]
    program = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(leaked))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    )
    assert done.stdout.strip() == "", f"engine modules imported Django: {done.stdout}"
