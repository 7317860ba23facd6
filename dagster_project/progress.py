"""A Dagster logger for `ladder run`: one line per finished step, so a long run shows progress."""

from __future__ import annotations

import logging
import sys

import dagster as dg

SHOWN = {"STEP_SUCCESS": "done", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}


class _StepLines(logging.Handler):
    def __init__(self, total: int):
        super().__init__()
        self.total, self.done = total, 0

    def emit(self, record: logging.LogRecord) -> None:
        event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        word = SHOWN.get(getattr(event, "event_type_value", None))
        if word:
            self.done += 1
            print(f"  [{self.done:3}/{self.total}] {word:7} {event.step_key}", file=sys.stderr, flush=True)


def progress_logger(total_steps: int) -> dg.LoggerDefinition:
    @dg.logger(description="One line per finished step on stderr.")
    def _progress(_init_context) -> logging.Logger:
        log = logging.getLogger("ladder.progress")
        log.setLevel(logging.DEBUG)
        log.handlers = [_StepLines(total_steps)]
        log.propagate = False
        return log

    return _progress
