# The two commands a new machine needs: `make run` and `make test`.
# The virtualenv is made with Debian's python3.11 where it can make one (package python3.11-venv): Debian builds it
# optimized, and it runs our code faster than a default source build such as pyenv's (an import 11% fewer
# instructions per item; bench/RESULTS.md, "The seventh day"). Else with python3; `make PYTHON=...` chooses.
SYSTEM_PYTHON := /usr/bin/python3.11
PYTHON ?= $(if $(shell $(SYSTEM_PYTHON) -c 'import ensurepip' 2>/dev/null && echo yes),$(SYSTEM_PYTHON),python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
EDITOR_USER ?= editor
# The settings are secure by default (DEBUG off, SECRET_KEY required); make is the developer's tool, so its commands
# run with DEBUG=1 unless the environment says otherwise.
export DEBUG ?= 1

.PHONY: install run test test-fast lint format migrate messages bench bench-scale clean

# Reinstall only when requirements change; the stamp lives inside the virtualenv.
$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

# Scheduled publishing runs beside the development server (cron does it in production), and stops with it.
SCHEDULER_SECONDS ?= 30

run: migrate
	$(BIN)/python manage.py load_demo_content --editor $(EDITOR_USER)
	@echo "Site: http://$(HOST):$(PORT)/ar/  and  http://$(HOST):$(PORT)/de/   Admin: http://$(HOST):$(PORT)/admin/"
	@echo "Scheduled publishing runs every $(SCHEDULER_SECONDS) s beside the server."
	$(BIN)/python manage.py publish_scheduled --every $(SCHEDULER_SECONDS) --verbosity 0 & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest

# Everything but the browser tests and the long runs, spread over the cores: the loop to run while working.
test-fast: install
	$(BIN)/python -m pytest -m "not browser and not slow" -n auto

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the message catalogues after changing user-facing strings (needs Debian's gettext).
messages: install
	$(BIN)/python manage.py makemessages --no-location -l ar -l de --ignore=.venv --ignore=bench --ignore=tests --ignore=staticfiles
	$(BIN)/python manage.py compilemessages --ignore=.venv

# The article page against the shared peer harness and under breaking news, then imports (bench/RESULTS.md).
bench: install
	$(BIN)/python bench/article_page.py
	$(BIN)/python bench/import_ninjs.py

# Every public surface at 1,000 and 100,000 articles on PostgreSQL (BENCH_SCALE_DATABASE to choose the database).
BENCH_SCALE_DATABASE ?= postgres://postgres@127.0.0.1:5432/bench_scale
bench-scale: install
	$(BIN)/python bench/scale.py --database $(BENCH_SCALE_DATABASE) --keep

clean:
	rm -rf $(VENV) staticfiles var .hypothesis
