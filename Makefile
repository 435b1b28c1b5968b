# policy-archive — every target creates/refreshes .venv first, so each works as the first command on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | $(PYTHON) -c "import hashlib,sys;print(hashlib.sha1(sys.stdin.buffer.read()).hexdigest()[:12])")

.PHONY: venv demo test run lint bench-extraction bench-listing bench-archive bench-search clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,bench]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

demo: venv  ## crawl the bundled replica site on a schedule into SQLite and show what was archived (offline)
	$(VENV)/bin/policy-archive demo

run: venv  ## the same scheduler against the real sources in sources.toml
	$(VENV)/bin/policy-archive run

lint: venv
	$(VENV)/bin/ruff check .

test: venv lint  ## the whole suite, offline; archive/search/e2e tests also on a throwaway PostgreSQL (.ci/with-postgres)
	.ci/with-postgres $(PY) -m pytest -q

bench-extraction: venv
	$(PY) benchmarks/extraction.py

bench-listing: venv  ## CPU per listing page in the spider, before/after (seconds: see BENCHMARKS.md)
	$(PY) benchmarks/listing_parse.py

bench-archive: venv  ## 100k documents x 3 versions on SQLite and PostgreSQL (long: see BENCHMARKS.md)
	.ci/with-postgres $(PY) benchmarks/archive.py

bench-search: venv  ## search alone at 10k and 100k documents, bulk-filled (minutes: see BENCHMARKS.md)
	.ci/with-postgres $(PY) benchmarks/search_scale.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
