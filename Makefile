# Two commands on a fresh machine with Python 3.11+, pip and make:
#   make run    set up .venv and start the TUI on the sandbox
#   make test   set up .venv with the test extras and run lint, format check and the suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Three xdist workers on 2 cores: a worker waits about a third of its time (Pilot's idle
# slices, the AWS CLI and OpenSSL children, the server tests' deadlines), and a third one
# fills that. Quiet machine, the whole suite: 415 s with -n 2, 319 s with -n 3, 312 s with
# -n 4 (by then 1.9 cores busy).
PYTEST_ARGS ?= -n 3

.PHONY: run test check suite soak lint format snapshots screenshots bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# pip byte-compiles what it installs from a wheel, but not the package of an editable
# install: compile it here, or every process (each test worker, each `kmsworkbench` the
# tests start) compiles every module it imports from source when PYTHONDONTWRITEBYTECODE
# is set. py_compile writes regardless of that variable, and the interpreter reads it.
COMPILE := $(PY) -m compileall -q kmsworkbench

$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	$(COMPILE)
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	$(COMPILE)
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(VENV)/bin/kmsworkbench $(ARGS)

# make test = check (ruff lint and format check) then suite (the whole pytest suite); the
# parts are targets of their own so benchmarks/bench_make_test.py can time each.
test: check suite

check: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# pytest writes the modules it rewrites for assert (tests/**/__pycache__, git-ignored) unless
# PYTHONDONTWRITEBYTECODE is set: unset it for the suite, so a second run in the same clone
# reads them (each worker's collection: about 8.5 s of CPU without, 3.5 s with).
suite: $(VENV)/.installed-test
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest $(PYTEST_ARGS)

# The long crash test: SIGKILL a writer many times (KMSWORKBENCH_SOAK_ROUNDS, default 40).
soak: $(VENV)/.installed-test
	$(PY) -m pytest -m soak -p no:xdist tests/test_crash.py

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

snapshots: $(VENV)/.installed-test
	$(PY) -m pytest tests/tui --snapshot-update -p no:xdist

screenshots: $(VENV)/.installed-test
	$(PY) scripts/screenshots.py

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test,bench]'
	$(COMPILE)
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-run

# Every benchmark against its peer (AWS CLI, boto3, moto), then benchmarks/RESULTS.md.
# BENCH_ARGS=--skip-make-test leaves out the slow fresh-clone make test; --quick fewer rounds.
bench: $(VENV)/.installed-bench
	$(PY) benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
