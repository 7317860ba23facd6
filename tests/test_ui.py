"""The Dagster UI as a data engineer sees it: a run from a plain shell, then `ladder ui` in headless Chromium.

One `ladder run` and one `ladder ui` (dg dev) share a private DAGSTER_HOME, as the CLI and the UI share the
project's own by default; the pages are read through the UI's GraphQL API and looked at in the browser.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browser import chromium, screenshot

LADDER = [sys.executable, "-m", "dagster_project.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


LOCATIONS = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus " \
            "locationOrLoadError { __typename ... on PythonError { message } } } } } }"


def _as_from_a_script() -> None:
    """A command a script starts in the background (`make ui &`) inherits Ctrl-C ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    """`ladder ui`, started as a script starts it in the background, and while it loads `ladder run` from a
    plain shell, on a private warehouse and a fresh instance (both initialise it: one does, under the lock);
    yields the UI's URL once the run is done. At the end SIGTERM must stop the UI and all it started."""
    tmp = tmp_path_factory.mktemp("ui")
    env = {**os.environ, "DAGSTER_HOME": str(tmp / "home"), "LADDER_WAREHOUSE": str(tmp / "warehouse.duckdb")}
    port = _free_port()
    log = open(tmp / "ui.log", "w")
    server = subprocess.Popen([*LADDER, "ui", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True, preexec_fn=_as_from_a_script)
    url = f"http://127.0.0.1:{port}"
    try:
        run = subprocess.run([*LADDER, "run"], env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr[-2000:]
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, f"ladder ui exited: {(tmp / 'ui.log').read_text()[-2000:]}"
            try:
                entries = graphql(url, LOCATIONS)["workspaceOrError"]["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the UI did not load its code location within 180 s"
            time.sleep(1)
        yield url, entries, (tmp / "ui.log")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # leave nothing running, then say what went wrong
            server.wait()
            pytest.fail("`ladder ui` did not stop within 30 s of SIGTERM")
        finally:
            log.close()


def test_ui_loads_location_ladder_without_error_or_warning(ui):
    url, entries, log = ui
    assert [(e["name"], e["locationOrLoadError"]["__typename"]) for e in entries] == [("ladder", "RepositoryLocation")]
    text = log.read_text()
    assert "dagster.yaml" not in text and "supersed" not in text.lower()


def test_a_run_from_the_shell_shows_in_the_ui_with_its_checks(ui):
    url, _, _ = ui
    runs = graphql(url, "{ runsOrError { ... on Runs { results { status tags { key value } } } } }")
    assert [r["status"] for r in runs["runsOrError"]["results"]] == ["SUCCESS"]
    checks = graphql(url, """{ assetNodes(assetKeys: [{path: ["sources", "B06"]}]) {
        assetChecksOrError { ... on AssetChecks { checks { name executionForLatestMaterialization {
            status evaluation { success metadataEntries { label
                ... on TableMetadataEntry { table { records schema { columns { name } } } } } } } } } } } }""")
    by_name = {c["name"]: c for c in checks["assetNodes"][0]["assetChecksOrError"]["checks"]}
    series = by_name["rules_series"]["executionForLatestMaterialization"]["evaluation"]
    assert series["success"] is False
    table = next(e["table"] for e in series["metadataEntries"] if e["label"] == "failing")
    records = [json.loads(r) for r in table["records"]]
    # B06 2014: the rotated rows, each whole in its own column with its suggested value; blanks, not 'nan'
    kortrijk = next(r for r in records if "B06 | Arr. Kortrijk | 2014" in r["instance"])
    assert (kortrijk["suspect"], kortrijk["suggestion"]) == ("B06 | Arr. Kortrijk | 2014", "6082")
    assert not any("nan" in str(v) for r in records for v in r.values())


def test_screenshots_show_graph_checks_and_derived_table(ui, tmp_path):
    url, _, _ = ui
    with chromium(allow=(url,)) as context:
        graphql(url, "mutation { setNuxSeen }")  # Dagster's first-visit dialog would cover the pages
        page = context.new_page()
        page.goto(f"{url}/asset-groups")
        page.get_by_text("sources_trede_5").first.wait_for(timeout=60_000)
        screenshot(page, tmp_path, "asset_graph")
        page.goto(f"{url}/assets/sources/B06?view=checks")
        page.get_by_text("rules_series").first.click(timeout=60_000)
        page.get_by_text("6082").first.wait_for(timeout=60_000)
        screenshot(page, tmp_path, "b06_checks")
        page.goto(f"{url}/assets/derived/tabel39?view=checks")
        page.get_by_text("published_equals_recomputed").first.click(timeout=60_000)
        page.get_by_text("explained").first.wait_for(timeout=60_000)
        screenshot(page, tmp_path, "tabel39_check")
