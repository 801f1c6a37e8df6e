# The two commands of the set-up contract: `make demo` and `make test`.
# Both create .venv/ when missing, install into it, then run.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
SYSTEM_STAMP := $(VENV)/.system-deps

.PHONY: demo test lint typecheck unit translations benchmark reliability walkthrough web-screenshots package package-test clean

$(SYSTEM_STAMP):
	@scripts/ensure-system-deps.sh
	@mkdir -p $(VENV) && touch $@

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

translations: $(STAMP)
	$(BIN)/python -m kiosk.ui.i18n --check --build

demo: $(SYSTEM_STAMP) $(STAMP) translations
	$(BIN)/kiosk --demo $(DEMO_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check kiosk tests benchmarks packaging scripts
	$(BIN)/ruff format --check kiosk tests benchmarks packaging scripts

typecheck: $(STAMP)
	$(BIN)/mypy

# The server's tests and the kiosk's run side by side (scripts/run-tests.sh); PYTEST_ARGS runs
# one pytest with those arguments instead.
unit: $(SYSTEM_STAMP) $(STAMP) translations
	scripts/run-tests.sh $(PYTEST_ARGS)

test: lint typecheck unit

benchmark: $(SYSTEM_STAMP) $(STAMP) translations
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

# What the outside review tried (fuzzing, identity guesses, kill -9, 30-way races), re-run
# against kiosk-server on loopback; about 15 minutes. README "Reliability".
reliability: $(STAMP)
	$(BIN)/python -m benchmarks --only reliability

# The web pages (staff caller, waiting-room display, phone page) as the README shows them, from
# headless Chromium against the embedded demo hospital; writes docs/screenshots/*.png.
web-screenshots: $(SYSTEM_STAMP) $(STAMP)
	$(BIN)/python -m scripts.web_screenshots --out docs/screenshots

# The one-folder build dist/kiosk/ (kiosk + kiosk-server); see build.spec, docs/deployment.md.
package: $(SYSTEM_STAMP) $(STAMP) translations
	$(BIN)/python -m pip install --quiet -e '.[test,build]'
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN build.spec
	@du -sh dist/kiosk

# Runs the built executables off screen; does not rebuild (run `make package` first).
package-test: $(STAMP)
	$(BIN)/python packaging/smoke_test.py dist/kiosk

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
