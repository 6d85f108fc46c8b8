# Mairie mobile. `make run` tries it with demo data, `make test` checks everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check --quiet

.PHONY: run test bench lint lock

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 ou plus récent est nécessaire." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(PIP) install -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

# The app on http://127.0.0.1:8000 with the Paris demo data. With REDIS_URL set,
# a Celery worker and beat run beside it; without, tasks run in the web process.
run: $(VENV)/.run-deps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@trap 'kill $$(jobs -p) 2>/dev/null' EXIT; \
	if [ -n "$$REDIS_URL" ]; then $(BIN)/celery -A mairie_mobile worker --beat --loglevel=INFO & fi; \
	echo "Mairie mobile : http://127.0.0.1:8000"; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Every test. Uses DATABASE_URL and REDIS_URL when they are set (.ci/run sets them).
test: $(VENV)/.dev-deps
	$(BIN)/pytest

bench: $(VENV)/.dev-deps
	$(BIN)/python -m bench

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# Pin every dependency, direct or not, from requirements*.in.
lock: $(VENV)/.dev-deps
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links requirements.in -o requirements.txt
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links requirements-dev.in -o requirements-dev.txt
	sed -i '1i -r requirements.txt' requirements-dev.txt
