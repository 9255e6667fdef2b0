# kaohe — two commands for a new user: `make report` and `make test`.
# The first use creates .venv and installs the pinned versions (requirements.lock).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LEDGER ?= data/raw/2022
OUT    ?= data/processed/2022

.PHONY: report score test lint format bench simulate lab sample lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

# The four quarterly notifications and the annual report of the sample year (offline HTML).
# The reports score each quarter end and the year once (kaohe.score_cache, reports/.kaohe-cache);
# they do not read `make score`'s CSV files. Once the 2023 sample year ships (data/raw/2023,
# params/2023.yaml), the two years side by side too (reports/2022-2023/).
# The Word 公文 beside each page draws its charts with kaleido on Debian's Chromium (and needs the
# CJK fonts): scripts/ensure-browser.sh installs both when missing.
report: $(STAMP)
	scripts/ensure-browser.sh
	$(BIN)/kaohe report --all --ledger $(LEDGER) --out reports
	if [ -d data/raw/2023 ] && [ -f params/2023.yaml ]; then \
		$(BIN)/kaohe report --trend 2022-2023 --out reports; fi

# The year's scores as CSV files (unit_scores.csv, score_lines.csv …) in $(OUT).
score: $(STAMP)
	$(BIN)/kaohe score $(LEDGER) --out $(OUT)

test: $(STAMP)
	scripts/ensure-browser.sh
	scripts/ensure-office.sh
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_score.py
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/bench_pages.py

# Render every shipped scenario (params/scenarios/*.yaml) on the sample year.
simulate: $(STAMP)
	for s in params/scenarios/*.yaml; do $(BIN)/kaohe simulate $$s --ledger $(LEDGER) || exit 1; done

LAB_ARGS ?=

# JupyterLab on notebooks/ with the project's own kernel ("kaohe": this .venv's Python).
lab: $(STAMP)
	$(BIN)/kaohe kernel
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter $(BIN)/jupyter lab --notebook-dir=notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# The sample years: 2022 (the default ledger) and 2023 (on params/2023.yaml, an overlay on 2022).
sample: $(STAMP)
	$(BIN)/kaohe sample --seed 2022 --out $(LEDGER) --force
	$(BIN)/kaohe sample --year 2023 --out data/raw/2023 --force

# Re-pin after changing dependencies in pyproject.toml (and environment.yml).
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^kaohe' > requirements.lock

clean:
	rm -rf $(VENV) data/processed/* reports/* reports/.kaohe-cache
	touch data/processed/.gitkeep reports/.gitkeep
