# vyndex — one command per job; each does its own set-up on a fresh machine.
#   make test    set up, lint, compile, run the whole suite on Anvil (ethereum:local:foundry)
#   make bench   gas of vyndex beside the floor (and Set Protocol v2), of the NAV feed, the factory, auctions and the zap -> bench/results/
#   make fuzz    the stateful property runs under the long profile (>= 10,000 steps)
#   make simulate  an index lived through a seeded market scenario -> bench/results/simulation/
# Set-up is stamped: running a target again skips what is already installed.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMPS := .stamps
UV_VERSION := 0.13.8

# Anvil comes from the npm package @foundry-rs/anvil, run through bin/anvil (its persisted states
# removed when it stops); vyper from the Python lock.
export PATH := $(CURDIR)/bin:$(CURDIR)/node_modules/.bin:$(BIN):$(PATH)
# ape-vyper looks for vyper-<version> here; we point it at the venv's vyper (no downloads).
export VVM_BINARY_PATH := $(CURDIR)/.vvm
export PYTHONUNBUFFERED := 1

NETWORK ?= ethereum:local:foundry
PYTEST_ARGS ?=

.PHONY: setup compile lint format test bench fuzz simulate lock clean shell schema

setup: $(STAMPS)/python $(STAMPS)/npm .vvm/vyper-0.4.3

$(STAMPS)/python: requirements.lock pyproject.toml
	@mkdir -p $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

$(STAMPS)/npm: package.json package-lock.json
	@mkdir -p $(STAMPS)
	# --no-save keeps package-lock.json exactly as committed (no download addresses).
	npm install --no-save --no-audit --no-fund --loglevel=error
	@test -x node_modules/.bin/anvil
	@touch $@

.vvm/vyper-0.4.3: $(STAMPS)/python
	@mkdir -p .vvm
	ln -sf ../$(VENV)/bin/vyper $@

compile: setup
	$(BIN)/ape compile

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy vyndex

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# TEST_JOBS pytest-xdist workers, each with its own Anvil; a test file stays on one worker (its
# module-scoped worlds are built once). TEST_JOBS=0 runs in this process.
TEST_JOBS ?= 2
test: lint compile
	$(BIN)/ape test tests -n $(TEST_JOBS) --dist loadfile --network $(NETWORK) $(PYTEST_ARGS)

bench: compile
	$(BIN)/python bench/rebalance_quality.py
	$(BIN)/python bench/navfeed_gas.py
	$(BIN)/python bench/factory_gas.py
	$(BIN)/python bench/auction_gas.py
	$(BIN)/python bench/gas.py
	$(BIN)/python bench/zap_gas.py

# The stateful runs marked `fuzz` under the long hypothesis profile (>= 10,000 steps each), split
# over FUZZ_JOBS processes (each its own Anvil; VYNDEX_FUZZ_SHARD=k/n: its share of the runs, and it
# fails below its share of the steps). Each shard logs to .fuzz/shard-k.log; the step counts are
# printed at the end, and any failing shard's log. Anvil runs without --steps-tracing (bin/anvil, as
# for make simulate): nothing the runs check reads step traces, which Anvil would otherwise keep in
# memory for every transaction of a multi-hour run.
FUZZ_JOBS ?= 2
fuzz: compile
	@mkdir -p .fuzz; pids=""; \
	for k in $$(seq 0 $$(($(FUZZ_JOBS) - 1))); do \
	  VYNDEX_ANVIL_STEPS_TRACING=0 HYPOTHESIS_PROFILE=long VYNDEX_FUZZ_SHARD=$$k/$(FUZZ_JOBS) \
	    $(BIN)/ape test tests -m fuzz -s \
	    --network $(NETWORK) $(PYTEST_ARGS) > .fuzz/shard-$$k.log 2>&1 & pids="$$pids $$!"; \
	done; \
	echo "make fuzz: $(FUZZ_JOBS) shards running, logs in .fuzz/"; \
	status=0; k=0; for p in $$pids; do \
	  if ! wait $$p; then status=1; tail -n 60 .fuzz/shard-$$k.log; fi; k=$$((k + 1)); \
	done; \
	grep -h "stateful rebalancing (\|stateful index:\|steps short of\| passed\| failed" .fuzz/shard-*.log; exit $$status

# The market simulation (vyndex.sim.simulation): the standard scenario, 120 days, on its own Anvil;
# SIM_ARGS passes options through, e.g. SIM_ARGS="--method inverse_volatility --days 60".
# bin/anvil drops ape-foundry's --steps-tracing here (a 120-day run otherwise grows Anvil past 12 GB).
SIM_ARGS ?=
simulate: compile
	VYNDEX_ANVIL_STEPS_TRACING=0 $(BIN)/ape run simulate --network $(NETWORK) $(SIM_ARGS)
	$(BIN)/python bench/gas.py --render

# Re-pin the Python lock from requirements.in (pins only: no index URLs, no find-links).
lock: $(STAMPS)/python
	$(BIN)/uv pip compile requirements.in --python-version 3.11 --no-emit-index-url \
		--no-emit-find-links --no-header -o requirements.lock

# The basket spec's JSON Schema, from the pydantic model (vyndex.spec); tests/tooling/test_spec_schema.py
# fails while the published file differs from the model.
schema: $(STAMPS)/python
	$(BIN)/python -W ignore -m vyndex.spec > schema/basket-spec.schema.json

# A shell with the environment above (the venv active, Anvil and the pinned vyper found), for
# `ape ...` and `vyndex ...` by hand; `exit` leaves it. (`vyndex` alone needs no such shell.)
shell: setup
	@echo "vyndex shell: ape, vyndex, anvil and vyper are on PATH; exit to leave"
	@VIRTUAL_ENV=$(CURDIR)/$(VENV) $${SHELL:-bash} -i

clean:
	rm -rf $(VENV) $(STAMPS) .vvm node_modules .build .pytest_cache .mypy_cache .ruff_cache

# ---------------------------------------------------------------------------------------------
# The devnet and the demo (README "Using vyndex").
#   make devnet        start the mainnet-shaped devnet (Anvil, chain id 1, 127.0.0.1:8645); it
#                      keeps running: `make devnet-stop` ends it
#   make demo          devnet -> fork -> deploy -> mint -> prices move -> keeper -> redeem, with
#                      status before and after; stops every node it started, even on failure
.PHONY: demo devnet devnet-stop

devnet: compile
	$(BIN)/ape run devnet start

devnet-stop: setup
	$(BIN)/ape run devnet stop

demo: compile
	bash scripts/demo.sh
