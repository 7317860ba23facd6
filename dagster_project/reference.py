"""Reference data read from ``sources/reference/*.csv``: geography, measures, measure links."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Reference:
    sources: Path

    def frame(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.sources / "reference" / f"{name}.csv", dtype=str, keep_default_na=False)

    @cached_property
    def geography(self) -> pd.DataFrame:
        """Administrative areas plus the ROP areas of the education tables (level 'rop')."""
        return pd.concat([self.frame("geography"), self.frame("rop")], ignore_index=True)

    @cached_property
    def geo_lookup(self) -> dict[str, tuple[str, str]]:
        """Printed label (name or alias, case-insensitive) -> (code, level)."""
        out: dict[str, tuple[str, str]] = {}
        for row in self.geography.itertuples():
            for label in [row.name, *filter(None, row.aliases.split("|"))]:
                out[label.casefold()] = (row.code, row.level)
        return out

    def geo(self, label: str) -> tuple[str, str] | None:
        return self.geo_lookup.get(" ".join(label.split()).casefold())

    @cached_property
    def geo_codes(self) -> set[str]:
        return set(self.geography["code"])

    @cached_property
    def geo_levels(self) -> dict[str, str]:
        return dict(zip(self.geography["code"], self.geography["level"]))
