# Two commands do all set-up: `make run` and `make test`. Override the interpreter with
# `make PYTHON=/path/to/python3.12 ...`.
PYTHON ?=
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= configs/default.toml
VALIDATE_WORKERS ?= 2

.PHONY: run test test-numpy test-slow lint format docs bench profile validate validate-quick clean

$(BIN)/python:
	@py=$$(PYTHON="$(PYTHON)" sh scripts/find-python) && echo "using $$py" && "$$py" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(VENV)/.installed $@

# --overwrite: running it again replaces the earlier run's own files, and refuses the folder
# if anything else is in it (a note of yours, say).
run: $(VENV)/.installed
	$(BIN)/commsim run $(CONFIG) --overwrite

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m "not slow" -q

# The exact NumPy twins of the numba kernels (COMMSIM_NO_NUMBA=1), through the model's own
# tests: the kernels' agreement, every preset's golden numbers, the oracle, the mechanisms,
# the validation studies' regression points and a sweep's runs. The floors above (designs,
# discovery, calibration, the app) take the model's numbers as given, so they run once, in
# `make test`.
MODEL_TESTS := $(addprefix tests/test_,kernels.py golden.py model.py mechanisms.py march.py \
	fused.py fused_beliefs.py fused_code.py fused_explore.py fused_peers.py fused_verify.py \
	fused_voice.py reference_agreement.py peers.py networks.py organisation.py environment.py \
	open_model.py own_organisation.py validation_march.py validation_lazer_friedman.py \
	validation_fang.py validation_miller.py validation_seeds.py sweep_run.py \
	just_culture.py units.py double_loop.py reporting.py tension.py fear.py)
test-numpy: $(VENV)/.installed-dev
	COMMSIM_NO_NUMBA=1 $(BIN)/python -m pytest -m "not slow" -q $(MODEL_TESTS)

test-slow: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m slow -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

# The tables docs/MODEL.md and docs/ARCHITECTURE.md take from the model's catalogue (phases,
# levers, metrics, parameters), rewritten between their markers; tests/test_docs_catalogue.py
# fails while they differ (`scripts/catalogue_docs.py --check` says which file).
docs: $(VENV)/.installed
	$(BIN)/python scripts/catalogue_docs.py

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_model.py

profile: $(VENV)/.installed
	$(BIN)/python benchmarks/profile_phases.py

# The validation studies (docs/VALIDATION.md): every study in full (hours; resumable, run it
# again after an interruption), or each study's quick form (a few minutes). Not part of CI.
validate: $(VENV)/.installed
	nice -n 10 $(BIN)/python experiments/validation/run_all.py --workers $(VALIDATE_WORKERS)

validate-quick: $(VENV)/.installed
	nice -n 10 $(BIN)/python experiments/validation/run_all.py --quick --workers $(VALIDATE_WORKERS)

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
