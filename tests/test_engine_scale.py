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


def test_a_group_printing_several_totals_checks_each_against_the_same_parts():
    """group_by row only, parts of one year, totals of every year: ten instances per row, each with the
    same two parts, so the total of their year adds up and another year's only by coincidence."""
    import duckdb

    from dagster_project.rules.engine import check_rules, result_cells, results
    from dagster_project.rules.registry import Rule

    con = duckdb.connect()
    engine_scale.build(con, 2e3, n_faults=0, n_dropped=0)
    rule = Rule("comp.2010", "totaal = parts of 2010", "components", "component_sum", "error", (),
                {"group_by": ["row_label"], "total": {"breakdown": "totaal"},
                 "parts": {"breakdown": engine_scale.PARTS, "year": 2010}})
    check_rules(con, [rule], [])
    found = con.execute(f"""
        SELECT r.row_label, r.column_label, r.lhs, r.rhs, r.status,
               list(c.column_label ORDER BY c.column_label) AS parts
        FROM ({results()}) r JOIN ({result_cells()}) c USING (inst_no) WHERE c.role = 'rhs' GROUP BY ALL""").df()
    first = dict(con.execute("SELECT row_label, value FROM cells WHERE column_label = '2010 | totaal'").fetchall())
    assert len(found) == 10 * len(first)
    assert {tuple(p) for p in found.parts} == {("2010 | mannen", "2010 | vrouwen")}
    assert (found.rhs == found.row_label.map(first)).all()
    assert ((found.status == "pass") == (found.lhs == found.rhs)).all()
    assert (found.status[found.column_label == "2010 | totaal"] == "pass").all()
    assert (found.status == "fail").sum() > 9 * len(first) * 0.9  # other years differ, but for a coincidence
