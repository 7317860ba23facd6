"""`ladder validate` starts fast: loading the project and the rule engine imports neither Dagster, Great
Expectations nor pandera (pandera only explains a reference file that fails its plain check), and a
project read from the cache does not build the pydantic models that parsing files needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from dagster_project.paths import ROOT


def test_the_validate_path_imports_no_orchestration_nor_pandera(tmp_path):
    code = ("import json, sys\n"
            "import dagster_project.cli\n"
            "from dagster_project.project import load_project\n"
            "import dagster_project.rules.validate, dagster_project.rules.verdict\n"
            "load_project()\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n")
    env = {**os.environ, "LADDER_CACHE": str(tmp_path / "cache")}  # empty: the first load parses every file
    first, cached = (set(json.loads(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                                                   capture_output=True, text=True, check=True).stdout))
                     for _ in range(2))
    assert {"dagster_project", "duckdb", "pandas", "pydantic"} <= first
    assert {"dagster_project", "duckdb", "pandas"} <= cached
    assert not (first | cached) & {"dagster", "great_expectations", "pandera", "typeguard"}
    assert "pydantic" not in cached
