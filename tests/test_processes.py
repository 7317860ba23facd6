"""Real `ladder` processes against one warehouse: a killed run, two runs at once, a reader during a run.

Each test starts the installed `ladder` command in subprocesses with a fresh DAGSTER_HOME, so the
Dagster instance, the writer lock and the staging copy are exercised as a user would meet them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.instance.ref import InstanceRef

from conftest import fingerprint_of

LADDER = str(Path(sys.executable).parent / "ladder")
TIMEOUT = 300


@pytest.fixture
def env(tmp_path):
    home = tmp_path / "dagster_home"  # fresh: the first ladder command initialises it
    return {**os.environ, "DAGSTER_HOME": str(home)}


def start(env, *args) -> subprocess.Popen:
    return subprocess.Popen([LADDER, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def wait_for_line(proc: subprocess.Popen, needle: str) -> list[str]:
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"process ended before printing {needle!r}:\n{''.join(lines)}")


def finish(proc: subprocess.Popen) -> tuple[int, str]:
    output, _ = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, output


def leftovers(warehouse: Path) -> list[str]:
    return sorted(p.name for p in warehouse.parent.iterdir() if ".staging-" in p.name or ".failed." in p.name)


def test_two_runs_at_once_on_a_fresh_instance_and_warehouse(request, env, tmp_path):
    """One run builds the warehouse from nothing while the other waits for its writer lock, then runs
    again over it: both succeed, and what they publish is what the session's in-process build holds,
    table for table (same inputs, same content). The session's build is asked for only once they are done:
    this test runs first on its worker, while another worker builds it."""
    path = tmp_path / "warehouse.duckdb"
    first = start(env, "run", "--warehouse", str(path))
    second = start(env, "run", "--warehouse", str(path), "--wait", str(TIMEOUT))
    (code1, out1), (code2, out2) = finish(first), finish(second)
    assert (code1, code2) == (0, 0), out1 + out2
    assert "waiting up to" in out1 + out2  # one waited for the other's writer lock
    session = fingerprint_of(request.getfixturevalue("built_warehouse")[0])
    assert len(session) > 50 and "checks.results" in session and "derived.tabel39" in session
    assert fingerprint_of(path) == session
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(env["DAGSTER_HOME"]))
    runs = instance.get_runs()
    assert len(runs) == 2 and {r.status for r in runs} == {dg.DagsterRunStatus.SUCCESS}
    instance.dispose()


def test_a_killed_run_changes_nothing_and_blocks_neither_the_next_run_nor_a_reader(warehouse_copy, env, tmp_path):
    """A run killed mid-way leaves the warehouse as it was; the next run clears what it left and publishes
    the same content, and a reader during that run neither fails nor blocks it."""
    site = tmp_path / "site"
    env = {**env, "LADDER_SITE": str(site)}
    before = fingerprint_of(warehouse_copy)
    proc = start(env, "run", "--warehouse", str(warehouse_copy))
    wait_for_line(proc, "sources/B10")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert fingerprint_of(warehouse_copy) == before
    (tmp_path / ".site.staging-killed").mkdir()  # what a run killed while building the site leaves

    run = start(env, "run", "--warehouse", str(warehouse_copy), "--wait", "30")
    wait_for_line(run, "sources/B05")
    code, output = finish(start(env, "trace", "Tabel 6", "WEST-VLAANDEREN", "2019", "--warehouse",
                                str(warehouse_copy), "--wait", "5"))
    assert code == 0, output
    assert "34 480" in output
    code, output = finish(run)
    assert code == 0, output
    assert "published" in output
    assert fingerprint_of(warehouse_copy) == before  # same inputs, same content
    assert leftovers(warehouse_copy) == []
    assert (site / "index.html").exists() and not list(tmp_path.glob(".site.staging-*"))


def test_a_failed_run_leaves_the_warehouse_and_names_the_cell(warehouse_copy, sources_copy, env, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the published warehouse's site", encoding="utf-8")
    path = sources_copy / "data" / "B11.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Arr. Ieper,216,", "Arr. Ieper,-216,"), encoding="utf-8")
    before = fingerprint_of(warehouse_copy)
    code, output = finish(start({**env, "LADDER_SOURCES": str(sources_copy), "LADDER_SITE": str(site)}, "run",
                                "--warehouse", str(warehouse_copy)))
    assert code == 1, output
    assert "FAILED check sources/B11:pandera_schema" in output
    assert "Tabel 11 | Arr. Ieper | 2014 = '-216': a count is negative" in output
    assert "left unchanged" in output
    assert fingerprint_of(warehouse_copy) == before
    # the site still shows the published warehouse, and no half-built page is left beside it
    assert (site / "index.html").read_text(encoding="utf-8") == "the published warehouse's site"
    assert [p.name for p in tmp_path.iterdir() if ".staging-" in p.name] == []
    shutil.rmtree(sources_copy)


def test_the_command_delivers_all_its_output_and_its_exit_code_through_a_pipe(warehouse_copy, env):
    """`ladder` ends without tearing the interpreter down: what it printed still arrives whole, and the
    exit code still says what it found (the 12 warnings fail `--fail-on warn`)."""
    import json

    done = subprocess.run([LADDER, "validate", "--json", "--fail-on", "warn", "--warehouse", str(warehouse_copy)],
                          env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["failed"] is True
    assert (report["totals"]["WARN"], report["totals"]["ERROR"]) == (12, 0)
