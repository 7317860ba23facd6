"""Wall time of the engineer's loop: `ladder run` and `ladder validate`, this checkout against a baseline.

    .venv/bin/python benchmarks/run_bench.py [--baseline REV] [--repeat 3] [--test]

Each command runs ``--repeat`` times in a fresh process on a private warehouse and Dagster instance
(nothing of the project's own is touched); the median is reported, and with ``--baseline`` (a git
revision, checked out into a temporary worktree and imported from there with this environment's
packages) the same for the baseline and the ratio. ``--test`` also times the whole test suite once per
checkout.

The two checkouts take turns, in the order A B B A A B …, command by command (and the suites one after
the other): this machine's speed drifts by as much as a third within the hour, and measuring one
checkout entirely before the other put that drift into the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {"ladder run": ["run"], "ladder validate": ["validate"]}


class Checkout:
    """A tree under measurement, its package compiled first (as ``make install`` does, so that neither
    side pays for compiling its modules at every start), with a private warehouse, instance and site."""

    def __init__(self, name: str, tree: Path, tmp: Path):
        self.name, self.tree = name, tree
        tmp.mkdir()
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "dagster_project")], check=True,
                       env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
        self.env = {**os.environ, "PYTHONPATH": str(tree), "DAGSTER_HOME": str(tmp / "home"),
                    "LADDER_SITE": str(tmp / "site"), "LADDER_SOURCES": str(tree / "sources"),
                    "LADDER_CHECKS": str(tree / "checks")}
        self.warehouse = str(tmp / "warehouse.duckdb")

    def time(self, args: list[str]) -> float:
        return _time([sys.executable, "-m", "dagster_project.cli", *args, "--warehouse", self.warehouse],
                     self.tree, self.env)

    def time_tests(self) -> float:
        return _time([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], self.tree, self.env)


def _time(cmd: list[str], cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 1: findings; anything else is a broken run
        sys.exit(f"{' '.join(cmd)} failed in {cwd} (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def measure(sides: list[Checkout], repeat: int, with_tests: bool) -> dict[str, dict[str, float]]:
    """Median seconds per command and checkout, the checkouts taking turns (A B B A …)."""
    out: dict[str, dict[str, float]] = {side.name: {} for side in sides}
    for command, args in COMMANDS.items():
        times: dict[str, list[float]] = {side.name: [] for side in sides}
        for i in range(repeat):
            for side in (sides if i % 2 == 0 else sides[::-1]):
                times[side.name].append(side.time(args))
        for side in sides:
            out[side.name][command] = statistics.median(times[side.name])
            print(f"  {side.name:<12} {command:<16} {' '.join(f'{t:6.1f}' for t in times[side.name])}  "
                  f"median {out[side.name][command]:.1f} s", flush=True)
    if with_tests:
        for side in sides:
            out[side.name]["test suite"] = side.time_tests()
            print(f"  {side.name:<12} {'test suite':<16} {out[side.name]['test suite']:.1f} s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="git revision to compare with (e.g. a commit of main)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--test", action="store_true", help="also time the test suite (once per checkout)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.baseline and subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet",
                                         f"{args.baseline}^{{commit}}"], capture_output=True).returncode:
        parser.error(f"--baseline {args.baseline!r} is no commit of {ROOT}")  # said before any measuring
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        sides = [Checkout("now", ROOT, tmp / "now")]
        if args.baseline:
            tree = tmp / "baseline-tree"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.baseline],
                           check=True, capture_output=True)
            stack.callback(subprocess.run, ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           check=False)
            sides.append(Checkout("baseline", tree, tmp / "baseline"))
        print(f"this checkout ({ROOT})" + (f" against {args.baseline}" if args.baseline else "") + ":", flush=True)
        result = measure(sides, args.repeat, args.test)
    if not args.baseline:
        return
    now, base = result["now"], result["baseline"]
    print(f"\n{'command':<16} {'baseline':>9} {'now':>9} {'ratio':>7}")
    for name, seconds in now.items():
        print(f"{name:<16} {base[name]:>8.1f}s {seconds:>8.1f}s {seconds / base[name]:>7.2f}")


if __name__ == "__main__":
    main()
