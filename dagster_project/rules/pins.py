"""Pin waivers to what they accept: ``ladder waivers pin`` writes the printed value, the expected value,
the imbalance and the cell digest of each unpinned waiver's failing finding into checks/waivers.yaml.

The file is rewritten round-trip (ruamel.yaml), so comments, order and quoting stay as written.
"""

from __future__ import annotations

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ..project import Project
from .engine import prepare, run_rules
from .registry import Waiver


def pin_waivers(con, project: Project, every: bool = False) -> tuple[int, list[Waiver]]:
    """(how many waivers were pinned, the waivers to pin that match no failing finding). ``every``
    re-pins pinned waivers too (after a deliberate change; review the diff)."""
    todo = [w for w in project.waivers if every or not w.pinned]
    if not todo:
        return 0, []
    prepare(con, project.tables, project.ref, project.rounded)
    res = run_rules(con, project.rules, project.waivers).results
    failing = res[res["status"].isin(["fail", "waived"])].set_index("instance")  # waived: its pins still hold
    path = project.checks / "waivers.yaml"
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    doc = yaml.load(path.read_text(encoding="utf-8"))
    by_instance = {entry["instance"]: entry for entry in doc["waivers"]}
    pinned, unmatched = 0, []
    for w in todo:
        if w.instance not in failing.index:
            unmatched.append(w)
            continue
        row, entry = failing.loc[w.instance], by_instance[w.instance]
        entry["printed"] = DoubleQuotedScalarString(row["printed"])
        entry["expected"] = round(float(row["rhs"]), 6)
        entry["imbalance"] = round(float(row["imbalance"]), 6)
        entry["cells"] = row["cells_digest"]
        pinned += 1
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(doc, fh)
    return pinned, unmatched
