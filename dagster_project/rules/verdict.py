"""What CI reads from a validation: totals, findings grouped by suspect cell, JUnit XML.

One bad cell breaks every equation it sits in; grouping the unwaived findings by their suspect shows
it once, with all its failing equations beneath it (pointblank-style: one line per rule instance,
one verdict per cell).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

TOTALS = ("PASS", "WARN", "ERROR", "WAIVED", "SKIP")


def totals(res: pd.DataFrame) -> dict[str, int]:
    fail = res["status"] == "fail"
    return {
        "PASS": int((res["status"] == "pass").sum()),
        "WARN": int((fail & (res["severity"] == "warn")).sum()),
        "ERROR": int((fail & (res["severity"] == "error")).sum()),
        "WAIVED": int((res["status"] == "waived").sum()),
        "SKIP": int((res["status"] == "not_verifiable").sum()),
    }


def final_line(counts: dict[str, int]) -> str:
    return "  ".join(f"{k} {counts[k]}" for k in TOTALS)


def failed(counts: dict[str, int], fail_on: str, waiver_problems: int) -> bool:
    """The exit verdict: errors (and warnings with ``fail_on='warn'``) and waivers that do not hold."""
    return bool(counts["ERROR"] or waiver_problems or (fail_on == "warn" and counts["WARN"]))


def _num(value):
    return None if value is None or pd.isna(value) else round(float(value), 6)


def groups(res: pd.DataFrame) -> list[dict]:
    """Unwaived findings grouped by suspect cell: errors first, then the cells that explain most."""
    failing = res[res["status"] == "fail"].copy()
    if failing.empty:
        return []
    failing["suspect"] = [f"{t} | {r} | {c}" if isinstance(t, str) else "(no suspect named)"
                          for t, r, c in zip(failing.suspect_table, failing.suspect_row, failing.suspect_column)]
    out = []
    for suspect, group in failing.groupby("suspect", sort=True):
        suggestions = sorted({_num(s) for s in group["suggestion"] if _num(s) is not None})
        # A copy of the suspect (a plausibility warning on a cell repeating it) says 'repeats <suspect>': under
        # the suspect's own heading that is no pattern of the suspect.
        copy = (group["kind"] == "series") & ((group["table_id"] + " | " + group["row_label"] + " | "
                                               + group["column_label"]) != suspect)
        patterns = sorted({p for p in group.loc[~copy, "pattern"] if isinstance(p, str)})
        out.append({
            "suspect": suspect, "severity": "error" if (group["severity"] == "error").any() else "warn",
            "suggestions": suggestions, "patterns": patterns,
            "instances": [{"instance": r.instance, "family": r.family, "printed": r.printed, "expected": _num(r.rhs),
                           "imbalance": _num(r.imbalance), "tolerance": _num(r.tolerance), "detail": r.detail}
                          for r in group.itertuples()],
        })
    out.sort(key=lambda g: (g["severity"] != "error", -len(g["instances"]), g["suspect"]))
    return out


def write_junit(res: pd.DataFrame, path: Path, fail_on: str) -> None:
    """One test suite per rule family, one test case per rule instance: a failing error (and a warning
    with ``fail_on='warn'``) is a failure, a not-verifiable instance is skipped, a waived one passes
    with its waiver in system-out."""
    from junitparser import Failure, JUnitXml, Skipped, TestCase, TestSuite

    xml = JUnitXml("ladder validate")
    for family, group in res.groupby("family", sort=True):
        suite, cases = TestSuite(family), []
        for r in group.itertuples():
            case = TestCase(r.instance, classname=f"{family}.{r.rule}")
            message = (f"printed {r.printed}, expected {_num(r.rhs)}, imbalance {_num(r.imbalance)}, tolerance "
                       f"{_num(r.tolerance)}")
            suspect = f"{r.suspect_table} | {r.suspect_row} | {r.suspect_column}" if isinstance(r.suspect_table, str) \
                else "none named"
            if r.status == "fail" and (r.severity == "error" or fail_on == "warn"):
                case.result = [Failure(message, r.severity)]
                case.system_out = f"{r.detail}\nsuspect: {suspect}" + (
                    f" -> {_num(r.suggestion)}" if _num(r.suggestion) is not None else "")
            elif r.status == "fail":
                case.system_err = f"warning: {message}; {r.detail}; suspect: {suspect}"
            elif r.status == "not_verifiable":
                case.result = [Skipped(f"not verifiable: {r.detail}")]
            elif r.status == "waived":
                case.system_out = f"waived: {r.waiver}"
            cases.append(case)
        suite.add_testcases(cases)  # counts once: add_testcase recounts the whole suite each time
        xml.add_testsuite(suite)
    xml.write(str(path), pretty=True)
