"""Great Expectations suites over the rule results (pandas frames, COMPLETE results keyed by instance).

GX re-checks what the engine concluded, independently of its SQL: every instance has an address,
statuses are from the known set, a 'pass' really lies within its tolerance, and — the gates —
no unwaived error (suite 'error', Dagster ERROR) and no unwaived warning (suite 'warn', Dagster WARN).
GX is imported lazily: the import alone costs seconds, so a run imports it in a worker process
(``serve``) that it starts first and asks once the results are there.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from dataclasses import dataclass

import pandas as pd

KEY = "instance"
STATUSES = ["pass", "fail", "waived", "not_verifiable"]


@dataclass
class SuiteOutcome:
    name: str
    success: bool
    failures: list[dict]  # one per failed expectation: type, kwargs, unexpected instances


def _expectations(gx, severity: str) -> list:
    from great_expectations.expectations.row_conditions import Column

    e = gx.expectations
    if severity == "warn":
        return [e.ExpectColumnValuesToNotBeInSet(column="status", value_set=["fail"],
                                                 row_condition=Column("severity") == "warn")]
    return [
        e.ExpectColumnValuesToBeUnique(column=KEY),
        *(e.ExpectColumnValuesToNotBeNull(column=c) for c in ("rule", "family", "table_id", "row_label", "column_label")),
        e.ExpectColumnValuesToBeInSet(column="status", value_set=STATUSES),
        e.ExpectColumnValuesToBeInSet(column="severity", value_set=["error", "warn"]),
        e.ExpectColumnPairValuesAToBeGreaterThanB(column_A="tolerance_bound", column_B="abs_imbalance", or_equal=True,
                                                  row_condition=Column("status") == "pass"),
        e.ExpectColumnValuesToNotBeInSet(column="status", value_set=["fail"], row_condition=Column("severity") == "error"),
    ]


def validate_results(results: pd.DataFrame, severities=("error", "warn")) -> list[SuiteOutcome]:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    frame = results.assign(abs_imbalance=results["imbalance"].abs().fillna(0.0),
                           tolerance_bound=results["tolerance"].fillna(0.0) + 1e-9)
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_def = ctx.data_sources.add_pandas("warehouse").add_dataframe_asset("rule_results") \
        .add_batch_definition_whole_dataframe("all")
    out = []
    for severity in severities:
        suite = ctx.suites.add(gx.ExpectationSuite(name=f"rule_results.{severity}",
                                                   expectations=_expectations(gx, severity)))
        run = ctx.validation_definitions.add(gx.ValidationDefinition(name=f"results.{severity}", data=batch_def,
                                                                     suite=suite)).run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [KEY]})
        failures = []
        for r in run.results:
            if r.success:
                continue
            failures.append({
                "expectation": r.expectation_config.type,
                "kwargs": {k: v for k, v in r.expectation_config.kwargs.items() if k != "batch_id"},
                "unexpected_count": r.result.get("unexpected_count"),
                "instances": [row[KEY] for row in (r.result.get("unexpected_index_list") or [])],
                "exception": (r.exception_info or {}).get("exception_message"),
            })
        out.append(SuiteOutcome(name=suite.name, success=bool(run.success), failures=failures))
    return out


def serve() -> None:
    """The worker a run starts (``python -m dagster_project.gx_suites``): import GX at once, then answer
    each pickled ``(results, severities)`` on stdin with the pickled outcomes (or the exception raised)
    on stdout, until stdin closes."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever GX prints goes to stderr, not into the replies
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle; it ends the worker
    import great_expectations  # noqa: F401  (the slow part, done before the first request)

    while True:
        try:
            results, severities = pickle.load(sys.stdin.buffer)
        except EOFError:
            return
        try:
            outcome = validate_results(results, severities)
        except Exception as exc:  # handed to the run, which raises it in the check's step
            outcome = exc
        pickle.dump(outcome, replies)
        replies.flush()


if __name__ == "__main__":  # serve as the importable module, so the run can unpickle what it sends
    from dagster_project.gx_suites import serve as serve_importable

    serve_importable()
