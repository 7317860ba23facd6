"""Run every rule on the warehouse and write ``checks.results`` (one row per rule instance) and
``checks.result_cells`` (the cells each instance involves), waivers applied, suspects named."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ..catalogue import Table, trend_breaks_frame
from ..reference import Reference
from ..yamlfile import load_yaml
from .kinds import KIND_SQL
from .localise import TREND_BREAK_WAIVER, localise, swaps
from .narrative import narrative
from .registry import Rule, Waiver

RESULT_COLUMNS = [
    "instance", "rule", "family", "severity", "kind", "table_id", "row_label", "column_label", "printed",
    "lhs", "rhs", "imbalance", "tolerance", "status", "detail", "waiver", "suspect_table", "suspect_row",
    "suspect_column", "suggestion", "pattern",
]


@dataclass
class Outcome:
    results: pd.DataFrame
    cells: pd.DataFrame
    stale_waivers: list[Waiver]


def prepare(con: duckdb.DuckDBPyConnection, tables: list[Table], ref: Reference, checks: Path) -> None:
    """Temp tables the rule templates read: cells (all sources), geo, geo_names, trend_breaks."""
    present = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'src'").fetchall()}
    union = " UNION ALL BY NAME ".join(f'SELECT * FROM src."{t.id}"' for t in tables if t.id in present)
    rounded = pd.DataFrame((load_yaml(checks / "rounding.yaml") or {}).get("rounded") or [],
                           columns=["table", "code", "row", "reason"]).astype(object)
    con.register("rounded_spec", rounded)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cells AS
        SELECT c.*, c.table_id || ' | ' || c.row_label || ' | ' || c.column_label AS cell,
               CASE WHEN c.value IS NOT NULL AND EXISTS (
                    SELECT 1 FROM rounded_spec r WHERE r."table" = c.table_id
                      AND (r.code IS NULL OR r.code = c.code) AND (r."row" IS NULL OR r."row" = c.row_label))
                    THEN 0.5 * c.rounding ELSE 0 END AS half
        FROM ({union}) c""")
    con.register("geo_frame", ref.geography)
    con.execute("CREATE OR REPLACE TEMP TABLE geo AS SELECT code, name, level, parent FROM geo_frame")
    names = pd.DataFrame([{"name": k, "code": v[0]} for k, v in ref.geo_lookup.items()])
    con.register("geo_names_frame", names)
    con.execute("CREATE OR REPLACE TEMP TABLE geo_names AS SELECT * FROM geo_names_frame")
    con.register("breaks_frame", trend_breaks_frame(tables))
    con.execute("CREATE OR REPLACE TEMP TABLE trend_breaks AS SELECT * FROM breaks_frame")


def evaluate_rule(con, rule: Rule) -> pd.DataFrame:
    frame = narrative(con, rule) if rule.kind == "narrative" else KIND_SQL[rule.kind](con, rule)
    if "silenced" not in frame:
        frame["silenced"] = False
    frame["rule"], frame["family"], frame["severity"], frame["kind"] = rule.id, rule.family, rule.severity, rule.kind
    return frame


def _status(frame: pd.DataFrame) -> pd.Series:
    ok = (frame["lhs"] - frame["rhs"]).abs() <= frame["tolerance"] + 1e-9
    status = pd.Series("fail", index=frame.index)
    status[ok] = "pass"
    status[frame["blocked"].fillna(False).astype(bool) | frame["rhs"].isna()] = "not_verifiable"
    return status


def run_rules(con, rules: list[Rule], waivers: list[Waiver]) -> Outcome:
    frames = [evaluate_rule(con, rule) for rule in rules]
    frames = [f for f in frames if len(f)]
    res = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RESULT_COLUMNS + ["parts"])
    res["instance"] = res["rule"] + ": " + res["table_id"] + " | " + res["row_label"] + " | " + res["column_label"]
    res["imbalance"] = res["lhs"] - res["rhs"]
    res["status"] = _status(res)
    res.loc[res["silenced"].astype(bool) & (res["status"] == "fail"), "status"] = "waived"
    res["waiver"] = None
    res.loc[res["status"] == "waived", "waiver"] = TREND_BREAK_WAIVER
    by_instance = {w.instance: w for w in waivers}
    hit = res["instance"].isin(by_instance) & (res["status"] == "fail")
    res.loc[hit, "status"] = "waived"
    res.loc[hit, "waiver"] = [f"{by_instance[i].reason} ({by_instance[i].date})" for i in res.loc[hit, "instance"]]
    stale = [w for w in waivers if w.instance not in set(res.loc[hit, "instance"])]
    cells = _cells(res)
    values = con.execute("SELECT table_id, row_label, column_label, value, stat FROM cells").df()
    res = swaps(localise(res, cells, values), values)
    return Outcome(results=res[RESULT_COLUMNS].reset_index(drop=True), cells=cells, stale_waivers=stale)


def _cells(res: pd.DataFrame) -> pd.DataFrame:
    """Long form: the checked cell (role lhs, coefficient 1) and every right-hand cell. A narrative
    claim's checked 'cell' is its place in the text (table 'narrative', row 'line N')."""
    lhs = res[["instance", "table_id", "row_label", "column_label"]].assign(coef=1.0, role="lhs")
    parts = res[["instance", "parts"]].explode("parts").dropna(subset=["parts"])
    rhs = pd.DataFrame({
        "instance": parts["instance"].values,
        "table_id": [p["t"] for p in parts["parts"]],
        "row_label": [p["r"] for p in parts["parts"]],
        "column_label": [p["c"] for p in parts["parts"]],
        "coef": [float(p["coef"]) for p in parts["parts"]],
        "role": "rhs",
    })
    return pd.concat([lhs, rhs], ignore_index=True)
