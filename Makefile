# The newcomer's commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: venv lock demo test lint format run bench clean translations

PIP    := $(BIN)/python -m pip --quiet --disable-pip-version-check
# The lock files are resolved for the machines that run the bot and CI: CPython 3.11 on
# Linux x86_64, whatever machine runs `make lock`.
UV_COMPILE := $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu --custom-compile-command 'make lock'

# The locked set (hashes checked), then the project itself without resolving anything again.
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements-dev.lock
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

lock: venv  ## upgrade: resolve pyproject.toml's ranges anew into requirements*.lock
	$(PIP) install 'uv>=0.13.9,<0.14'
	$(UV_COMPILE) --upgrade --extra dev -o requirements-dev.lock pyproject.toml
	$(UV_COMPILE) --constraint requirements-dev.lock -o requirements.lock pyproject.toml
	$(MAKE) venv

demo: venv  ## try the bot in a terminal chat: no token, no network
	$(BIN)/acsm-bot demo

# pytest-xdist workers. --dist load --maxschedchunk 1 hands tests out one at a time to the
# worker that is free, the few long hardening tests first (tests/conftest.py): they run side by
# side and the short ones fill in around them (in chunks, all of them went to one worker).
# Nothing is shared between tests: ports are chosen free, files go to each test's tmp_path,
# PostgreSQL database names carry the worker (tests/conftest.py).
JOBS ?= 3
test: venv  ## the whole suite (PostgreSQL too when ACSM_TEST_POSTGRES_URL is set); JOBS=3
	@started=$$(date +%s); status=0; \
	$(BIN)/pytest -n $(JOBS) --dist load --maxschedchunk 1 --durations=10 || status=$$?; \
	echo "make test: $$(( $$(date +%s) - started )) s of wall time ($(JOBS) workers)"; \
	exit $$status

# The sentences marked in the code (gettext, ngettext, N_) into i18n/messages.pot, then into
# the Spanish catalog: new ones come untranslated, changed ones fuzzy (tests/i18n fails on
# both until they are translated).
PYBABEL_KEYWORDS := -k N_ -k gettext -k ngettext:1,2 -k InvalidInputError -k NotFoundError -k NotLoggedInError -k ProofRejectedError -k NoCurrentCycleError -k ShortfallError -k InvalidCecAmountError -k DownloadFailedError
translations: venv  ## refresh i18n/messages.pot and the Spanish catalog from the code
	$(BIN)/pybabel extract -F i18n/babel.cfg $(PYBABEL_KEYWORDS) --no-location --sort-output \
		--project acsm-bot --msgid-bugs-address certification@acsm.org -o i18n/messages.pot -w 100 .
	$(BIN)/pybabel update -i i18n/messages.pot -d i18n/locale -D messages --ignore-obsolete -w 100

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

run: venv  ## the real bot on Telegram (needs TELEGRAM_BOT_TOKEN)
	$(BIN)/acsm-bot run

bench: venv  ## speed, memory and cost per update (QUICK=1: the cost figures only, quickly)
ifdef QUICK
	$(BIN)/python bench/bench_cost.py --quick
else
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_chat.py
	$(BIN)/python bench/bench_cost.py
	$(BIN)/python bench/bench_cost.py --paired 6 --paired-burst 3
	$(BIN)/python bench/bench_language.py
	$(BIN)/python bench/bench_reminders.py
	$(BIN)/python bench/bench_reading.py
	$(BIN)/python bench/bench_reading_chat.py
	$(BIN)/python bench/bench_console.py
endif

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
