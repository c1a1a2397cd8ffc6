# Two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3

.PHONY: install install-test run test lint bench

install:
	$(PYTHON) -m pip install -r requirements.txt

install-test:
	$(PYTHON) -m pip install -r requirements-dev.txt
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		(apt-get update && apt-get install -y chromium chromium-driver)

run: install
	$(PYTHON) app.py

test: install-test
	$(PYTHON) -m ruff check .
	$(PYTHON) -m pytest

lint:
	$(PYTHON) -m ruff check .
	python3 ../shared/tools/house_check.py . || true

bench:
	$(PYTHON) bench/demo_load.py
	$(PYTHON) bench/map_payload.py
