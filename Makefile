# imgclf: `make demo` trains a first classifier, `make test` runs every notebook, the end-to-end tests and a docs build check.
# Each target sets up .venv itself, so both work on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q -c constraints.txt
# The install stamp is named by a hash of the dependency files' content, not their times: nbdev-export rewrites
# pyproject.toml with the same content, which must not trigger a reinstall; a changed dependency does.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
export PATH := $(abspath $(VENV))/bin:$(PATH)
FASHION := /usr/share/datasets/fashion-mnist

.PHONY: setup demo test research docs slides slides-libs wheelhouse bench bench-photo bench-inference bench-photo-io bench-photo-epoch bench-reliability seeds fashion-data browser readme clean

setup: $(STAMP)

$(STAMP):
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) torch torchvision
	$(PIP) -e ".[dev]"
	rm -f $(VENV)/.installed*; touch $@

# Full Fashion-MNIST (70,000 images) from Debian's package when we may install it; imgclf falls back to
# a torchvision download, then to the fashion_tiny subset that ships in data/, and says so.
fashion-data:
	@if [ -d $(FASHION) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1; } || \
	  echo "note: could not install Debian's dataset-fashion-mnist; imgclf will use what it can find"; \
	else echo "note: install Fashion-MNIST with 'sudo apt-get install dataset-fashion-mnist' for the full demo"; fi

# Debian's Chromium and ChromeDriver for the web app's browser test (tests/test_app.py); no browser is downloaded.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; } || \
	  echo "note: could not install chromium and chromium-driver; the browser test will be skipped"; \
	else echo "note: the browser test needs 'sudo apt-get install chromium chromium-driver'; it is skipped without them"; fi

# reveal.js, RequireJS, jQuery and MathJax from the npm registry (pinned in tools/slides/package-lock.json): the slide decks load them from
# their own lib/ folder, never from a CDN, so they work offline.
slides-libs:
	@if [ -d tools/slides/node_modules/reveal.js ]; then exit 0; fi; \
	if command -v npm >/dev/null; then (cd tools/slides && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || echo "note: npm could not install reveal.js; the slides test will be skipped"; \
	else echo "note: the slides need npm (apt-get install npm); the slides test is skipped without it"; fi

# Every wheel the lessons need, in one folder, for a workshop room without internet; then a check that a fresh virtual
# environment installs from it alone and runs lesson 2 (tools/check_wheelhouse.sh). On each laptop:
#   python3 -m venv .venv && .venv/bin/pip install --no-index --find-links wheelhouse "imgclf[lessons]"
# TORCH picks the PyTorch build. PyPI's default brings about 3 GB of CUDA libraries; a laptop needs only the CPU build:
#   make wheelhouse TORCH="torch torchvision --extra-index-url https://download.pytorch.org/whl/cpu"
WHEELHOUSE ?= wheelhouse
TORCH ?= torch torchvision
wheelhouse: setup
	$(PY) -m pip wheel -q --wheel-dir $(WHEELHOUSE) $(TORCH) ".[lessons]"
	@echo "$(WHEELHOUSE): $$(ls $(WHEELHOUSE) | wc -l) wheels, $$(du -sh $(WHEELHOUSE) | cut -f1)"
	tools/check_wheelhouse.sh $(WHEELHOUSE)

# One reveal.js deck per lesson in _slides/ (open _slides/index.html; S: speaker view), offline
slides: setup slides-libs
	$(PY) tools/build_slides.py --dest _slides

demo: setup fashion-data
	$(VENV)/bin/imgclf train --out runs/demo

# Tests and notebooks write their scratch folders (runs, models, datasets) under one TMPDIR, removed afterwards.
TEST_TMP := $(or $(TMPDIR),/tmp)/imgclf-test
# The two pytest workers train at the same time: each gets half the cores for PyTorch's threads, as more threads than
# cores make every training slower (on 2 cores, pytest took 10 min with one thread each against 12.7 min with two).
# The two notebook workers likewise (on 2 cores, two notebooks at once took 204 s with one thread each against 221 s).
TEST_THREADS := $(shell python3 -c "import os; print(max(1, (os.cpu_count() or 2)//2))")
test: setup browser slides-libs
	rm -rf $(TEST_TMP) nbs/_work nbs/lessons/_work && mkdir -p $(TEST_TMP)
	$(VENV)/bin/nbdev-export
	@if [ -n "$$(git status --porcelain -- imgclf)" ]; then \
	  git status --short -- imgclf; \
	  echo "imgclf/ differs from what the notebooks export: run nbdev-export and commit the result"; exit 1; fi
	TMPDIR=$(TEST_TMP) OMP_NUM_THREADS=$(TEST_THREADS) $(VENV)/bin/nbdev-test --n-workers 2 --timing
	TMPDIR=$(TEST_TMP) OMP_NUM_THREADS=$(TEST_THREADS) $(VENV)/bin/pytest tests/ -n 2 --dist loadfile --durations=15   # two workers, one test file each: a file's shared fixtures are built once
	$(PY) tools/build_docs.py --check --dest $(TEST_TMP)/_docs   # the docs render, links resolve, pictures show
	rm -rf $(TEST_TMP) nbs/_work nbs/lessons/_work

# The research notebooks (nbs/research/): studies too long for `make test` (their `skip_exec`), executed again with
# their checks and saved with their new outputs
research: setup
	cd nbs/research && for nb in *.ipynb; do $(abspath $(VENV))/bin/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=1800 "$$nb"; done
	$(VENV)/bin/nbdev-clean

# The site: nbdev's Quarto build when `quarto` is installed; otherwise tools/build_docs.py renders the same processed
# notebooks with nbconvert (Quarto has no offline install). Either way the result is in _docs/.
docs: setup
	@if command -v quarto >/dev/null; then $(VENV)/bin/nbdev-docs; else $(PY) tools/build_docs.py --check; fi

# Benchmarks print a table, then one JSON line. bench-photo needs DATA=<folder with train/ and test/>;
# bench-inference and bench-photo-io need MODEL=<a run's model/ folder> (e.g. from `imgclf train DATA --fast --size 224`).
bench: setup fashion-data
	$(PY) bench/fashion_speedrun.py

bench-photo: setup
	$(PY) bench/photo_finetune.py $(DATA)

bench-inference: setup
	$(PY) bench/inference.py $(MODEL)

bench-photo-io: setup
	$(PY) bench/photo_io.py $(MODEL)

# Fine-tuning epochs on generated 1-12 MP photos with each loader (imgclf's cache, fastai's, the PyTorch tutorial's)
bench-photo-epoch: setup
	$(PY) bench/photo_epoch.py

# Every kind of bad input, tampered model and run folder, interruption and app request, through the commands (about 30 minutes)
bench-reliability: setup
	$(PY) bench/reliability_sweep.py --out bench/results/reliability_sweep.csv

# Every seed experiment this machine has the data and weights for, beside the seed's number (about 20 minutes here)
seeds: setup fashion-data
	$(PY) bench/seeds.py --out bench/results

clean:
	rm -rf _docs _proc runs _slides

# README.md is generated from nbs/index.ipynb (nbdev-readme needs Quarto, which has no offline install here).
readme: setup
	$(VENV)/bin/jupyter nbconvert --to markdown nbs/index.ipynb --output-dir . --output README \
	  --RegexRemovePreprocessor.patterns='["^#\\|\\s*hide"]' --log-level WARN
