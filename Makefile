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

# The pages and forms of every kind of user, run once more with a REDIS_URL where nothing
# answers: Redis is an accelerator, never needed for them.
PAGES_AND_FORMS := tests/stops/test_public_views.py tests/stops/test_poster.py tests/stops/test_easy_read.py \
	tests/stops/test_api.py \
	tests/stops/test_ics.py tests/stops/test_opendata.py tests/stops/test_live.py tests/stops/test_subscriptions.py \
	tests/stops/test_sms_subscriptions.py tests/stops/test_coordination.py tests/visits/test_staff_views.py \
	tests/visits/test_tickets.py tests/visits/test_ticket_alerts.py tests/visits/test_feedback.py \
	tests/visits/test_statistics_views.py tests/visits/test_quality.py tests/test_auth.py \
	tests/test_permissions.py tests/test_security.py tests/test_languages.py tests/visits/test_offline.py

# Every test. Uses DATABASE_URL and REDIS_URL when they are set (.ci/run sets them). The pages and
# forms with Redis unreachable run at the same time, at a lower priority, on a test database of
# their own (tests/conftest.py); their report follows the whole suite's. Fails if either fails.
test: $(VENV)/.dev-deps
	@report=$$(mktemp); \
	REDIS_URL=redis://127.0.0.1:1/0 nice -n 10 $(BIN)/pytest --redis-unreachable $(PAGES_AND_FORMS) >"$$report" 2>&1 & \
	without_redis=$$!; \
	$(BIN)/pytest; whole=$$?; \
	wait $$without_redis; unreachable=$$?; \
	echo "The pages and forms with Redis unreachable (pytest --redis-unreachable):"; \
	cat "$$report"; rm -f "$$report"; \
	[ $$whole -eq 0 ] && [ $$unreachable -eq 0 ]

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
