# The newcomer's commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: venv demo test lint format run bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: venv  ## try the bot in a terminal chat: no token, no network
	$(BIN)/acsm-bot demo

test: venv  ## the whole suite (PostgreSQL too when ACSM_TEST_POSTGRES_URL is set)
	$(BIN)/pytest

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
	$(BIN)/python bench/bench_reminders.py
endif

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
