"""The project cache: a second load of unchanged files reads the cache, any change to a file loads and
validates again, a damaged entry is a miss, a malformed file is reported every time, and with
``LADDER_CACHE=off`` every load parses."""

from __future__ import annotations

import pytest

from dagster_project import project as project_module
from dagster_project.files import SourceError
from dagster_project.project import load_project


def _no_load(*args):
    raise AssertionError("parsed the files again although none changed")


def test_unchanged_files_come_from_the_cache_and_a_change_is_seen(sources_copy, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("LADDER_CACHE", str(cache))
    first = load_project(sources_copy)
    assert len(list(cache.glob("*.pickle"))) == 1
    with monkeypatch.context() as m:
        m.setattr(project_module, "_load", _no_load)
        again = load_project(sources_copy)
    assert again is not first and again.sources == sources_copy
    assert [(t.id, t.title, t.rows) for t in again.tables] == [(t.id, t.title, t.rows) for t in first.tables]
    assert [(r.id, r.params.keys()) for r in again.rules] == [(r.id, r.params.keys()) for r in first.rules]
    assert again.ref.geography.equals(first.ref.geography)

    entry = sources_copy / "catalogue" / "B01.yaml"
    entry.write_text(entry.read_text(encoding="utf-8").replace('title: "', 'title: "Gewijzigd: ', 1), encoding="utf-8")
    changed = load_project(sources_copy)
    assert changed.tables[0].title.startswith("Gewijzigd: ")
    assert len(list(cache.glob("*.pickle"))) == 2


def test_a_malformed_file_is_reported_every_time_and_never_cached(sources_copy, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("LADDER_CACHE", str(cache))
    entry = sources_copy / "catalogue" / "B01.yaml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("id: B01", "id: [B01", 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(SourceError, match=r"B01\.yaml:\d+"):
            load_project(sources_copy)
    assert not list(cache.glob("*.pickle"))


def test_the_cache_can_be_turned_off(sources_copy, monkeypatch):
    monkeypatch.setenv("LADDER_CACHE", "off")
    calls = []
    real = project_module._load
    monkeypatch.setattr(project_module, "_load", lambda *a: calls.append(a) or real(*a))
    load_project(sources_copy)
    load_project(sources_copy)
    assert len(calls) == 2


def test_a_damaged_entry_is_a_miss_and_is_written_again(sources_copy, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("LADDER_CACHE", str(cache))
    load_project(sources_copy)
    [entry] = cache.glob("*.pickle")
    for damage in (b"", b"\x80\x09.", b"garbage", entry.read_bytes()[:100]):  # empty, unknown protocol, cut short
        entry.write_bytes(damage)
        assert [t.id for t in load_project(sources_copy).tables][:2] == ["B01", "B02"]
        assert entry.read_bytes() != damage
