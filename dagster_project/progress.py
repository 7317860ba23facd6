"""A Dagster logger for `ladder run`: one line per materialised asset and per finished step, so a long
run shows progress (a step computes many assets)."""

from __future__ import annotations

import logging
import sys

import dagster as dg

STEP_WORDS = {"STEP_SUCCESS": "done", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}


class _Lines(logging.Handler):
    def __init__(self, total: int):
        super().__init__()
        self.total, self.done = total, 0

    def emit(self, record: logging.LogRecord) -> None:
        event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        kind = getattr(event, "event_type_value", None)
        if kind == "ASSET_MATERIALIZATION":
            self.done += 1
            line = f"[{self.done:3}/{self.total}] {event.asset_key.to_user_string()}"
        elif kind in STEP_WORDS:
            line = f"step {event.step_key} {STEP_WORDS[kind]}"
        else:
            return
        print(f"  {line}", file=sys.stderr, flush=True)


def progress_logger(total_assets: int) -> dg.LoggerDefinition:
    @dg.logger(description="One line per materialised asset and per finished step on stderr.")
    def _progress(_init_context) -> logging.Logger:
        log = logging.getLogger("ladder.progress")
        log.setLevel(logging.DEBUG)
        log.handlers = [_Lines(total_assets)]
        log.propagate = False
        return log

    return _progress
