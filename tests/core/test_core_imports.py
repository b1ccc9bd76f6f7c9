"""Every module of the package imports on its own, first (no import cycle hides behind the
order in which the rest of the package happens to be imported)."""

from __future__ import annotations

import subprocess
import sys

#: Run in a fresh interpreter: imports each module with no other Cupola module loaded.
SCRIPT = """
import importlib, pkgutil, sys
import cupola
names = [m.name for m in pkgutil.walk_packages(cupola.__path__, "cupola.")]
print(len(names))
for name in names:
    for key in [k for k in sys.modules if k == "cupola" or k.startswith("cupola.")]:
        del sys.modules[key]
    try:
        importlib.import_module(name)
    except ImportError as exc:
        print(f"{name}: {exc}")
"""


def test_every_module_imports_first() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    count, *failures = proc.stdout.splitlines()
    assert int(count) > 50
    assert failures == []
