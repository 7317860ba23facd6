"""The scale benchmark on a small synthetic geography: the engine, the hand-written SQL and pandas find the
same failing instances, suspects and parts, and every planted fault with its own cell as suspect."""

import sys

from dagster_project.paths import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import engine_scale  # noqa: E402


def test_three_implementations_find_every_planted_fault_alike():
    found, want, faults = engine_scale.in_process(2e4, n_faults=20, n_dropped=2)
    assert engine_scale.agreement(found, want) == "same"
    mine = found["project"].sort_values("instance").reset_index(drop=True)
    assert len(mine) == len(want) > 40
    # every changed cell is the suspect of its equations, a dropped row of its arrondissement's sums
    suspects = set(mine.suspect)
    for f in faults.itertuples():
        if f.column_label is None:
            assert any(s.startswith(f"{f.table_id} | {f.row_label} | ") for s in suspects), f
        else:
            assert f"{f.table_id} | {f.row_label} | {f.column_label}" in suspects, f
    assert {len(p.split("; ")) for p in mine.parts} >= {2, 9, 10}  # component sums, sums with a row dropped
