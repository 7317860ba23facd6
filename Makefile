# Every target sets itself up: a fresh clone needs only `make run` / `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export LADDER_WAREHOUSE ?= $(CURDIR)/warehouse.duckdb
export LADDER_REPORT ?= $(wildcard $(CURDIR)/../shared/report/000_694cfc149f605398.txt)

.PHONY: run test ui install chromium extract clean

install: $(VENV)/.installed $(DAGSTER_HOME)/dagster.yaml

# An editable install leaves the package uncompiled, and with PYTHONDONTWRITEBYTECODE set every start
# would compile it again: compiled once here (Python recompiles a module whose source is newer).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m compileall -q dagster_project
	touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster-instance.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster-instance.yaml $@

run: install  ## materialise every asset and check into $(LADDER_WAREHOUSE) (the audit site last), then validate every rule
	$(BIN)/ladder run
	$(BIN)/ladder validate

# The browser tests drive Debian's Chromium; as root (CI) it is installed here, elsewhere they skip and say why.
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	  echo "no Chromium: the browser tests will skip (install Debian's chromium package)"

test: install chromium  ## run the test suite
	$(BIN)/pytest

ui: install  ## Dagster UI on the same warehouse and instance (checks every declarative file first)
	$(BIN)/ladder ui

extract: install  ## re-transcribe sources/data from the report text
	$(BIN)/ladder extract $(LADDER_REPORT)

clean:
	rm -rf $(DAGSTER_HOME) warehouse.duckdb warehouse.duckdb.* .warehouse.duckdb.staging-* warehouse.failed.duckdb*
