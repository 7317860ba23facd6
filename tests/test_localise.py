"""Localisation on small hand-made equations, and on a planted fault in a headline total."""

import pandas as pd

from conftest import plant_and_validate
from dagster_project.rules.localise import _components, fault_candidates, localise, mistypings


def _instance(name, status, lhs, parts, imbalance):
    return {"instance": name, "kind": "geo_sum", "status": status, "waiver": "accepted" if status == "waived" else None,
            "table_id": "T", "row_label": lhs, "column_label": "2019", "rhs": 0.0, "imbalance": imbalance,
            "parts": parts}


def test_waived_findings_are_no_evidence_and_ties_use_the_fault_pattern():
    """Total A = P + Q fails by 90 (P printed 1 234 for 1 324: transposed digits); an old waived finding
    B = Q + R also involves Q. Q must not outrank P on that old finding; A and Q stay listed as ties."""
    res = pd.DataFrame([_instance("sum A", "fail", "A", ["P", "Q"], 90.0),
                        _instance("sum B", "waived", "B", ["Q", "R"], 1.0)])
    cells = pd.DataFrame([{"instance": i, "table_id": "T", "row_label": c, "column_label": "2019",
                           "coef": 1.0, "role": "rhs"} for i, cs in [("sum A", "PQ"), ("sum B", "QR")] for c in cs]
                         + [{"instance": i, "table_id": "T", "row_label": lhs, "column_label": "2019", "coef": 1.0,
                             "role": "lhs"} for i, lhs in [("sum A", "A"), ("sum B", "B")]])
    values = pd.DataFrame([{"table_id": "T", "row_label": r, "column_label": "2019", "value": v, "stat": "count"}
                           for r, v in [("A", 2180.0), ("P", 1234.0), ("Q", 856.0), ("R", 5.0), ("B", 862.0)]])
    values["rounding"] = 1.0
    res.loc[0, "rhs"] = 2090.0
    out = localise(res.drop(columns="parts"), cells, values).set_index("instance")
    assert out.loc["sum A", "suspect_row"] == "P"
    assert out.loc["sum A", "suggestion"] == 1324.0
    assert out.loc["sum A", "pattern"] == "transposed digits"  # the pattern settles the tie


def test_a_wrong_headline_total_gets_the_value_that_makes_its_equations_hold(warehouse_copy):
    """TREDE 5 West-Vlaanderen 2019 is 51 901; printed 52 901 it breaks the lettered formula and the SINE
    check. The suggestion is 51 901, not 40% of SINE."""
    _, report = plant_and_validate(warehouse_copy, "UPDATE src.B39 SET value = 52901 WHERE row_label = 'TREDE 5 - "
                                                   "BETAALD WERK MET ONDERSTEUNING' AND column_label = 'West-Vlaanderen | 2019'")
    groups = {g["suspect"]: g for g in report["groups"]}
    mine = groups["B39 | TREDE 5 - BETAALD WERK MET ONDERSTEUNING | West-Vlaanderen | 2019"]
    assert mine["suggestions"] == [51901.0]
    assert {i["instance"].split(":")[0] for i in mine["instances"]} >= {"formula.lettered", "formula.sine_weight"}


def test_mistypings_within_a_few_units_are_the_fault_candidates_there():
    """The value-by-value test of a narrow range (a sum wants one value) gives exactly the candidates the
    full spelling-out gives in that range, for counts, decimals, negatives and zero."""
    for value, unit in [(1234.0, 1.0), (5688.0, 1.0), (-14.3, 0.1), (0.0, 1.0), (7.0, 1.0), (19.8, 0.1),
                        (100000.0, 1.0), (12.25, 0.01)]:
        candidates = sorted(fault_candidates(value, unit))
        ranges = [(c - d, c + d) for c in candidates[::7] + [value] for d in (0.0, unit / 2, 3 * unit, 30 * unit)]
        for lo, hi in ranges:
            assert mistypings(value, unit, lo, hi) == [v for v in candidates if lo - 1e-9 <= v <= hi + 1e-9]


def test_instances_sharing_no_cell_are_covered_apart():
    """Two faults far apart and one cell shared by two sums: three groups, in a fixed order."""
    cells_of = {"a": {("T", "x", "1")}, "b": {("T", "y", "1")}, "c": {("T", "y", "1"), ("T", "z", "1")},
                "d": set()}
    assert _components({"a", "b", "c", "d"}, cells_of) == [{"a"}, {"b", "c"}, {"d"}]
