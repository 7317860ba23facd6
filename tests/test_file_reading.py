"""The one-pass YAML reader and the pandera-free pass over the reference CSVs read what PyYAML and
pandera read: the same values, lines and verdicts, and a ``file:line`` message where they differ."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from dagster_project.files import LineDict, LineList, SourceError, load_yaml
from dagster_project.paths import ROOT
from dagster_project.reference import SCHEMAS, _explain, pandera_schema, read_reference


def _plain(value):
    """A document without its line bookkeeping, to compare with PyYAML's own reading."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.mark.parametrize("path", sorted((ROOT / "sources" / "catalogue").glob("*.yaml"))
                         + sorted((ROOT / "checks").rglob("*.yaml")), ids=lambda p: p.name)
def test_every_project_file_reads_as_pyyaml_reads_it(path):
    assert _plain(load_yaml(path)) == yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def _load(tmp_path: Path, text: str):
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    return load_yaml(path)


def test_values_and_lines(tmp_path):
    doc = _load(tmp_path, "a: 1\nb:\n  - x\n  - {c: 2019-01-02, d: yes, e: ~, f: '7'}\ng: &s text\nh: *s\n")
    assert doc == {"a": 1, "b": ["x", {"c": dt.date(2019, 1, 2), "d": True, "e": None, "f": "7"}],
                   "g": "text", "h": "text"}
    assert isinstance(doc, LineDict) and isinstance(doc["b"], LineList)
    lines = doc.line, doc.line_of("b"), doc.line_of("h"), doc["b"].line_of(1), doc["b"][1].line_of("f")
    assert lines == (1, 2, 6, 4, 4)


@pytest.mark.parametrize("text, message", [
    ("a: 1\nb: 2\na: 3\n", r"f\.yaml:3: duplicate key 'a' \(first on line 1\)"),
    ("a: 1\n[b]: 2\n", r"f\.yaml:2: a key must be plain text"),
    ("a: &t [x, *t]\n", r"f\.yaml:1: alias \*t inside the value it names"),
    ("a: &x 1\nb: [" + ", ".join(["*x"] * 201) + "]\n", r"f\.yaml:2: more than 200 aliases"),
    ("a: *nope\n", r"f\.yaml:1: broken YAML: found undefined alias"),
    ("a: &x 1\nb: &x 2\n", r"f\.yaml:2: broken YAML: anchor &x defined twice \(first on line 1\)"),
    ("a: 1\n---\nb: 2\n", r"f\.yaml:2: broken YAML: but found another document"),
    ("a: !!set {x, y}\n", r"f\.yaml:1: broken YAML: could not determine a constructor for the tag"),
    ("a:\n  b: 2019-13-45\n", r"f\.yaml:2: broken YAML: '2019-13-45' is no valid timestamp"),
    ("a: [b\n", r"f\.yaml:2: broken YAML"),
    ("a: ok\nb:\n  - " + "x" * 5001 + "\n", r"f\.yaml:3: value of 5,001 characters"),
])
def test_bad_yaml_names_its_line(tmp_path, text, message):
    with pytest.raises(SourceError, match=message):
        _load(tmp_path, text)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_reference_files_pass_pandera_too(name):
    path = ROOT / "sources" / "reference" / f"{name}.csv"
    pandera_schema(name).validate(read_reference(path, name))


@pytest.mark.parametrize("name, old, new, message", [
    ("geography", "31003,Beernem,gemeente", "31003,,gemeente", r"geography\.csv:2: column 'name': str_length"),
    ("geography", "31003,Beernem,gemeente", "31003,Beernem,gemeent", r"geography\.csv:2: column 'level': isin"),
    ("geography", "31004,Blankenberge", "31003,Blankenberge", r"geography\.csv:\d+: column 'code': field_uniqueness"),
    ("geography", "code,name,level,parent,aliases", "code,level,name,parent,aliases", r"geography\.csv:1: "),
    ("measures", "a,a,5,", "a,a,6,", r"measures\.csv:2: column 'trede': isin"),
    ("measure_links", "\nbio,", "\nBio,", r"measure_links\.csv:2: column 'predecessor': str_matches"),
])
def test_a_reference_fault_is_explained_by_pandera(tmp_path, name, old, new, message):
    path = tmp_path / f"{name}.csv"
    shutil.copyfile(ROOT / "sources" / "reference" / f"{name}.csv", path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SourceError, match=message):
        read_reference(path, name)


def test_pandera_has_the_last_word(tmp_path):
    """The plain pass only decides when pandera is asked; a frame pandera accepts raises nothing."""
    frame = pd.read_csv(ROOT / "sources" / "reference" / "rop.csv", dtype=str, keep_default_na=False)
    _explain(tmp_path / "rop.csv", "rop", frame)
