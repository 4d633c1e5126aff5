"""How long the command line takes to answer: ``latentlearn methods``, ``--version``,
``import latentlearn``, each in a fresh interpreter, against bare Python and ``import sklearn``.

Run from the repository root::

    python benchmarks/bench_cli_startup.py            # 7 repeats of each
    python benchmarks/bench_cli_startup.py --quick    # 3 repeats

Each row gives the best and the median wall time of ``--repeats`` fresh interpreters (the best
is the least disturbed by other work on the machine). ``latentlearn methods`` lists the methods
from the registry's table without importing an estimator (torch alone takes seconds), so it
should answer in well under a second; ``methods pca`` imports the one family it shows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

CLI = "import sys; sys.argv = ['latentlearn', *{args!r}]; from latentlearn.cli import app; app()"

CASES = [
    ("python (bare interpreter)", "pass"),
    ("import latentlearn", "import latentlearn"),
    ("latentlearn --version", CLI.format(args=["--version"])),
    ("latentlearn methods", CLI.format(args=["methods"])),
    ("latentlearn methods pca", CLI.format(args=["methods", "pca"])),
    ("import sklearn (reference)", "import sklearn"),
]


def wall_times(code: str, repeats: int) -> list[float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1", "COLUMNS": "200"}
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    print(f"{'command':<30} {'best s':>8} {'median s':>9}   ({repeats} fresh interpreters)")
    for name, code in CASES:
        times = wall_times(code, repeats)
        print(f"{name:<30} {min(times):8.3f} {statistics.median(times):9.3f}")


if __name__ == "__main__":
    main()
