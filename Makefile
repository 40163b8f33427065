# Two commands: `make run` serves the demo, `make test` runs every test. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 5000
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test demo-reset translations extract-messages clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

tests/idp/node_modules/.installed: tests/idp/package.json tests/idp/package-lock.json
	cd tests/idp && npm ci --no-audit --no-fund --loglevel=error
	touch $@

tests/a11y/node_modules/.installed: tests/a11y/package.json tests/a11y/package-lock.json
	cd tests/a11y && npm ci --no-audit --no-fund --loglevel=error
	touch $@

translations: $(BIN)/.installed
	$(BIN)/pybabel compile -d translations

extract-messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

run: $(BIN)/.installed translations
	$(FLASK) ess demo --keep
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

demo-reset: $(BIN)/.installed
	$(FLASK) ess demo --reset

test: $(BIN)/.installed tests/idp/node_modules/.installed tests/a11y/node_modules/.installed translations
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) tests/idp/node_modules tests/a11y/node_modules instance/*.sqlite3*
