# Quick start: `make run` serves a demo instance on http://127.0.0.1:5000; `make test` runs
# every test, browser tests included, after the lint, format and type gates (ruff, mypy strict).
# Both build .venv from the pinned dependencies first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_EMAIL ?= admin@example.org

.PHONY: run test chromium clean-venv assets fuzz

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

instance/config.py: | $(VENV)/.installed
	$(PY) -m reporting.keygen $@

# The demo instance on SQLite. `flask ... demo` initialises it the first time (printing its
# recovery code once, like `init`, and keeping only the demo admin's sign-in details in
# instance/demo-admin.txt), upgrades an older one's schema, or does nothing; it says which,
# and prints both addresses. The demo instance is not safe to copy: see the README.
# gunicorn.conf.py serves one worker process with threads, so every rate limit counts once.
run: $(VENV)/.installed instance/config.py
	@$(VENV)/bin/flask --app reporting demo --email $(DEMO_EMAIL) --host $(HOST) --port $(PORT)
	@echo "Serving until Ctrl+C."
	@REPORTING_DEV_HTTP=true $(VENV)/bin/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

chromium:
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Debian's Chromium at /usr/bin/chromium:"; \
		echo "    sudo apt-get install chromium"; \
		exit 1; \
	fi

test: $(VENV)/.installed-test chromium
	$(VENV)/bin/ruff check reporting tests migrations benchmarks wsgi.py gunicorn.conf.py
	$(VENV)/bin/ruff format --check reporting tests migrations benchmarks wsgi.py gunicorn.conf.py
	$(VENV)/bin/mypy
	$(PY) -m pytest

# A long run of the journey-paths state machine (benchmarks/README.md); FUZZ_ARGS passes options,
# e.g. `make fuzz FUZZ_ARGS="--runs 20 --seed 7"`. Fails if it finds a failure.
fuzz: $(VENV)/.installed-test
	$(PY) benchmarks/fuzz_journey.py $(FUZZ_ARGS)

# Rebuild static/ from GOV.UK Frontend (needs Node; running and testing do not).
assets:
	cd frontend && npm ci && npm run build

clean-venv:
	rm -rf $(VENV)
