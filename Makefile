# cadretrain — the two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= S
DB ?= sqlite
PYTEST_ARGS ?= -n 2

.PHONY: run test install bootstrap messages lint bench serve clean-db help

help:
	@echo "make run    install, migrate, load the demo (size S) and serve on http://$(HOST):$(PORT)"
	@echo "make test   install, then run the whole test suite (SQLite unless DATABASE_URL is set)"
	@echo "make bench  benchmarks (SCALE=S|M|L|XL DB=sqlite|postgres)"

$(STAMP): pyproject.toml requirements.lock
	@PY=$$(scripts/find_python.sh) || exit 1; \
	if [ ! -x "$(BIN)/python" ]; then echo "Creating $(VENV) with $$PY"; "$$PY" -m venv "$(VENV)"; fi
	$(BIN)/python -m pip install -q --disable-pip-version-check -U pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

var/secret_key:
	@mkdir -p var
	@$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(64))" > var/secret_key
	@chmod 600 var/secret_key

STATIC_SOURCES := $(shell find src/cadretrain -path '*/static/*' -type f 2>/dev/null)

# Collected once, and again only when a static source changes (make run stays quick the second time).
var/static/staticfiles.json: $(STATIC_SOURCES) $(STAMP) var/secret_key
	@SECRET_KEY=$$(cat var/secret_key) HTTPS=0 $(BIN)/cadretrain collectstatic --noinput --clear -v 0

messages: $(STAMP)
	@cd src/cadretrain && DEBUG=1 ../../$(BIN)/cadretrain compilemessages -v 0

# Everything `make run` needs before serving: idempotent, a second run reuses it all.
bootstrap: $(STAMP) var/secret_key messages var/static/staticfiles.json
	@SECRET_KEY=$$(cat var/secret_key) HTTPS=0 $(BIN)/cadretrain migrate --noinput -v 0
	@SECRET_KEY=$$(cat var/secret_key) HTTPS=0 $(BIN)/cadretrain createcachetable -v 0
	@SECRET_KEY=$$(cat var/secret_key) HTTPS=0 $(BIN)/cadretrain demo --size S --if-empty

run: bootstrap
	@SECRET_KEY=$$(cat var/secret_key) HTTPS=0 $(BIN)/cadretrain demo_logins
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@# Imports and overlap scans run in the task worker, beside the web server, and stop with it.
	@export SECRET_KEY=$$(cat var/secret_key) HTTPS=0 TASKS_BACKEND=django_tasks_db.DatabaseBackend; \
	$(BIN)/cadretrain db_worker --no-startup-delay --interval 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn cadretrain.config.wsgi \
	  --bind $(HOST):$(PORT) --workers 2 --threads 4 --no-control-socket --access-logfile - \
	  --timeout 300

test: $(STAMP) messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP) messages
	$(BIN)/python -m benchmarks run --scale $(SCALE) --db $(DB)

clean-db:
	rm -f var/cadretrain.sqlite3 var/cadretrain.sqlite3-wal var/cadretrain.sqlite3-shm
