# clausematch — the newcomer's commands. Only Python >= 3.11 and make are needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: install run test bench lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installation des dépendances dans $(VENV)…"
	@$(PIP) install --quiet --upgrade pip >/dev/null 2>&1 || true
	@$(PIP) install --quiet -e '.[dev]' 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
	@$(BIN)/python -c "import matching, service, training, fastapi, sklearn, rapidfuzz" \
		|| (echo "installation incomplete" >&2; exit 1)
	@touch $(STAMP)

install: $(STAMP)

run: install
	@$(BIN)/clausematch demo run

test: install
	@$(BIN)/python -m pytest -n 2 -q

bench: install
	@$(BIN)/python tests/benchmarks/run_all.py

lint: install
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
