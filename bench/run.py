"""Run the benchmarks: `make bench`. Prepares a demo database once (BENCH_CUSTOMERS, default
100,000) under BENCH_DIR (default /tmp/credo-bench-<N>) and runs each benchmark against it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
BENCH_DIR = Path(os.environ.get("BENCH_DIR", f"/tmp/credo-bench-{CUSTOMERS}"))


def main() -> int:
    env = {**os.environ, "CREDO_VAR_DIR": str(BENCH_DIR), "PYTHONPATH": str(ROOT / "src")}
    credo = [sys.executable, "-m", "credo.cli"]
    if not (BENCH_DIR / "credo.sqlite3").exists():
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([*credo, "migrate", "-v", "0"], env=env, check=True)
        subprocess.run([*credo, "demo", "--customers", str(CUSTOMERS), "--seed", "1"],
                       env=env, check=True)
    for script in ["customer_search.py"]:
        print(f"== {script}", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / script)], env=env, check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
