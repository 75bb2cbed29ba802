"""Run the benchmarks: `make bench`. Prepares a demo database once (BENCH_CUSTOMERS, default
100,000 customers; BENCH_ITEMS, default 50 open items per customer over three years of
receivables history, i.e. 5,000,000 open items) under BENCH_DIR (default
/tmp/credo-bench-<customers>-<items>) and runs each benchmark against it.

BENCH_ONLY=credit_check.py,ageing.py runs a subset. The issue-3 ageing figure over 10,000,000
open items is `BENCH_ITEMS=100 BENCH_ONLY=ageing.py make bench`.

With DATABASE_URL set (e.g. postgres://postgres@127.0.0.1:5432/credo) the benchmarks run against
that database instead: it is migrated and the demo loaded unless it already has customers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
ITEMS = os.environ.get("BENCH_ITEMS", "50")
BENCH_DIR = Path(os.environ.get("BENCH_DIR", f"/tmp/credo-bench-{CUSTOMERS}-{ITEMS}"))
SCRIPTS = [
    "customer_search.py", "credit_check.py", "ageing.py", "rating_batch.py", "rating_train.py",
]


def main() -> int:
    env = {**os.environ, "CREDO_VAR_DIR": str(BENCH_DIR), "PYTHONPATH": str(ROOT / "src")}
    credo = [sys.executable, "-m", "credo.cli"]
    if os.environ.get("DATABASE_URL") or not (BENCH_DIR / "credo.sqlite3").exists():
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([*credo, "migrate", "-v", "0"], env=env, check=True)
        subprocess.run([*credo, "demo", "--customers", str(CUSTOMERS), "--seed", "1",
                        "--items-per-customer", ITEMS, "--if-empty"], env=env, check=True)
    only = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s]
    for script in only or SCRIPTS:
        print(f"== {script}", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / script)], env=env, check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
