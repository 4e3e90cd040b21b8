# research-digest: `make site` and `make test` work as the first command on a fresh clone.
# They create .venv (Python deps from requirements.lock) and node_modules (npm deps from package-lock.json)
# when missing or when the dependency files changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CONTENT ?= content

.PHONY: site test fuzz serve check ingest fetch bench quality lighthouse lint clean bootstrap lock dist

OUT ?= _site
PORT ?= 8000

site: bootstrap ingest
	$(BIN)/digest build --content "$(CONTENT)" --out "$(OUT)" $(if $(BASE_URL),--base-url "$(BASE_URL)")

# The suite on every core, one test file per worker at a time (a module's fixtures stay in one process),
# then the tests marked `alone` (Lighthouse's timings) with nothing else running.
test: bootstrap
	$(BIN)/ruff check generator tests bench
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not alone"
	$(BIN)/python -m pytest -m alone

# The fuzz tests and kill loops with 50 times the examples of `make test` (about 35 minutes).
fuzz: bootstrap
	DIGEST_FUZZ_FACTOR=$(or $(FACTOR),50) $(BIN)/python -m pytest -m fuzz -p no:cacheprovider

# `make ingest` ingests the digests in content/digests/ that are new; `make ingest FILE=path` one file.
# The folder is passed whole (digest lists it), so file names with spaces or leading dashes stay whole.
ingest: $(PY_STAMP)
ifdef FILE
	$(BIN)/digest ingest --content "$(CONTENT)" -- "$(FILE)"
else
	@if [ -d "$(CONTENT)/digests" ]; then $(BIN)/digest ingest --content "$(CONTENT)" -- "$(CONTENT)/digests"; \
	else echo "No digests in $(CONTENT)/digests/: drop one there, or run make ingest FILE=path."; fi
endif

# `make fetch` gets today's Hugging Face daily papers into content/ (UTC); `make fetch SINCE=2026-06-01`
# every day since then. Then `make site` as usual.
fetch: $(PY_STAMP)
	$(BIN)/digest fetch hf --content "$(CONTENT)" $(if $(SINCE),--since "$(SINCE)")

serve: bootstrap ingest
	$(BIN)/digest serve --content "$(CONTENT)" --out "$(OUT)" --port $(PORT)

check: $(PY_STAMP)
	$(BIN)/digest check --content "$(CONTENT)" $(if $(wildcard $(OUT)/index.html),--site "$(OUT)")

# The performance figures of issue 11 (bench/README.md): a site of N papers ingested as 100 daily digests,
# cold / no-change / new-day / edited-title builds, an edit under digest serve, search figures, Hugo and
# Pelican on the same papers, the targets judged; tables on stdout, figures in .bench/latest.json and .md.
# Reads ../shared/corpora; installs the peers once. Defaults: N=10000 RUNS=3 (25 minutes, 13 of them Pelican);
# make bench N=1000 RUNS=1 takes about 2 minutes; N=1000,10000,50000 judges linear growth and 50k memory
# (bench/run.py -n 1000,10000,50000 --runs 1 --no-peers: about 30 minutes).
bench: bootstrap
	$(BIN)/python bench/run.py $(if $(N),-n $(N)) $(if $(RUNS),--runs $(RUNS))

# The discovery figures of issue 13 (bench/quality.py): related papers, topics and search measured against
# arXiv's categories on the first N corpus papers (default 10000), next to random and exhaustive tf-idf
# baselines, and the time related papers and topics take at 10k and 50k papers (about 8 minutes).
# Tables on stdout, figures in .quality/latest.json. `make quality N=2000 TIMES=2000` for a quick look.
quality: bootstrap
	$(BIN)/python bench/quality.py $(if $(N),-n $(N)) $(if $(TIMES),--times $(TIMES))

# The Lighthouse figures of issue 14 (bench/lighthouse.py): Lighthouse 12 on mobile (the npm dev dependency,
# against /usr/bin/chromium) on the home page, a topic, a paper and the search page with a query, on the seed
# site and on a site of the first 10k corpus papers ingested by digest ingest. A Markdown table and every
# audit under 100 on stdout, figures in .lighthouse/latest.json. Defaults: SITES=seed,10k RUNS=1 (median of
# RUNS for performance); `make lighthouse SITES=seed` needs no ../shared.
lighthouse: bootstrap
	$(BIN)/python bench/lighthouse.py $(if $(SITES),--sites $(SITES)) $(if $(RUNS),--runs $(RUNS))

lint: $(PY_STAMP)
	$(BIN)/ruff check generator tests bench

bootstrap: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "research-digest needs Python 3.11 or newer ($(PYTHON) is older); set PYTHON=..." >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 18+) is needed for the lunr.js asset: install nodejs and npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Re-pin the Python dependencies after changing pyproject.toml.
lock: $(PY_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m pip freeze --all --exclude-editable --exclude pip --disable-pip-version-check > requirements.lock

# A wheel in dist/ that `pip install` gives a complete generator (templates, CSS, JS and lunr.js inside).
dist: bootstrap
	rm -rf build  # setuptools' staging folder: a stale one could put deleted modules into the wheel
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation -w dist .
	@echo "Wheel: $$(ls -1t dist/research_digest-*.whl | head -n 1)"

clean:
	rm -rf _site ._site.spare .cache .pytest_cache .ruff_cache .hypothesis .quality .lighthouse
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
