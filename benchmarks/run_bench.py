"""Wall time of the engineer's loop: `ladder run` and `ladder validate`, this checkout against a baseline.

    .venv/bin/python benchmarks/run_bench.py [--baseline REV] [--repeat 3] [--test]

Each command runs ``--repeat`` times in a fresh process on a private warehouse and Dagster instance
(nothing of the project's own is touched); the median is reported, and with ``--baseline`` (a git
revision, checked out into a temporary worktree and imported from there with this environment's
packages) the same for the baseline and the ratio. ``--test`` also times the whole test suite once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _time(cmd: list[str], cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 1: findings; anything else is a broken run
        sys.exit(f"{' '.join(cmd)} failed in {cwd} (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def measure(tree: Path, repeat: int, with_tests: bool) -> dict[str, float]:
    """Median seconds per command for the checkout at ``tree``, its package compiled first (as ``make
    install`` does), so that neither side pays for compiling its modules at every start."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "dagster_project")], check=True,
                   env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(tree), "DAGSTER_HOME": str(Path(tmp) / "home"),
               "LADDER_SITE": str(Path(tmp) / "site"),
               "LADDER_SOURCES": str(tree / "sources"), "LADDER_CHECKS": str(tree / "checks")}
        warehouse = str(Path(tmp) / "warehouse.duckdb")
        cli = [sys.executable, "-m", "dagster_project.cli"]
        out = {}
        for name, args in (("ladder run", ["run"]), ("ladder validate", ["validate"])):
            times = [_time([*cli, *args, "--warehouse", warehouse], tree, env) for _ in range(repeat)]
            out[name] = statistics.median(times)
            print(f"  {tree.name:<12} {name:<16} {' '.join(f'{t:6.1f}' for t in times)}  median {out[name]:.1f} s",
                  flush=True)
        if with_tests:
            out["test suite"] = _time([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tree, env)
            print(f"  {tree.name:<12} {'test suite':<16} {out['test suite']:.1f} s", flush=True)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="git revision to compare with (e.g. a commit of main)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--test", action="store_true", help="also time the test suite (once)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.baseline and subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet",
                                         f"{args.baseline}^{{commit}}"], capture_output=True).returncode:
        parser.error(f"--baseline {args.baseline!r} is no commit of {ROOT}")  # said before any measuring
    print(f"this checkout ({ROOT}):")
    current = measure(ROOT, args.repeat, args.test)
    if not args.baseline:
        return
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.baseline],
                       check=True, capture_output=True)
        try:
            print(f"baseline {args.baseline}:")
            base = measure(tree, args.repeat, args.test)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    print(f"\n{'command':<16} {'baseline':>9} {'now':>9} {'ratio':>7}")
    for name, seconds in current.items():
        print(f"{name:<16} {base[name]:>8.1f}s {seconds:>8.1f}s {seconds / base[name]:>7.2f}")


if __name__ == "__main__":
    main()
