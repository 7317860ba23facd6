"""`ladder validate` starts fast: loading the project and the rule engine imports neither Dagster, Great
Expectations nor pandera (pandera only explains a reference file that fails its plain check)."""

from __future__ import annotations

import json
import subprocess
import sys

from dagster_project.paths import ROOT


def test_the_validate_path_imports_no_orchestration_nor_pandera():
    code = ("import json, sys\n"
            "import dagster_project.cli\n"
            "from dagster_project.project import load_project\n"
            "import dagster_project.rules.validate, dagster_project.rules.verdict\n"
            "load_project()\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert {"dagster_project", "duckdb", "pandas"} <= loaded
    assert not loaded & {"dagster", "great_expectations", "pandera", "typeguard"}
