# Quick start: `make run` serves a demo instance on http://127.0.0.1:5000; `make test` runs
# every test, browser tests included. Both build .venv from the pinned dependencies first.
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

# A demo instance on SQLite: schema, team key, recovery code and an admin whose credentials
# are kept in instance/demo-admin.txt (a demo convenience; `init` on a real server prints them
# once and stores them nowhere).
instance/demo-admin.txt: instance/config.py
	umask 077; $(VENV)/bin/flask --app reporting init --email $(DEMO_EMAIL) --name "Demo admin" > $@.tmp
	mv $@.tmp $@

run: $(VENV)/.installed instance/demo-admin.txt
	$(VENV)/bin/alembic upgrade head  # an instance made by an older checkout gets its schema
	@cat instance/demo-admin.txt
	@echo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	REPORTING_DEV_HTTP=true $(VENV)/bin/gunicorn --workers 2 --bind $(HOST):$(PORT) wsgi:app

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
	$(VENV)/bin/ruff check reporting tests migrations benchmarks wsgi.py
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
