# The two commands of the README. Each creates .venv with Python >= 3.12 and installs the
# package with its test extras the first time (or when setup.py / requirements.txt change).
#   make demo   real autofit fits of a small example, then the CSV built from them, printed
#   make test   the whole test suite
#   make docs   the Sphinx site, into docs/_build/html (installs the docs extra the first time)
# Point at a specific interpreter with: make PYTHON=/path/to/python3.12 test
# Where an MPI library is installed (mpicc and mpiexec on PATH, e.g. Debian's `apt-get install
# mpich libmpich-dev`), `make test` also builds the mpi extra (mpi4py) against it and runs the MPI
# tests; elsewhere it says so and those tests skip. MPI installed later is picked up by the next
# `make test`.

VENV := .venv
export PYAUTO_SKIP_WORKSPACE_VERSION_CHECK := 1

.PHONY: demo test docs clean

$(VENV)/.installed: setup.py requirements.txt
	@interpreter=$$(PYTHON="$(PYTHON)" bash scripts/find_python.sh) || exit 1; \
	echo "Creating $(VENV) with $$interpreter"; \
	"$$interpreter" -m venv $(VENV) && \
	$(VENV)/bin/python -m pip install --quiet --upgrade pip && \
	$(VENV)/bin/python -m pip install --quiet -e '.[test,postgres,formats]'
	@touch $@

# mpi4py is compiled against the machine's own MPI (--no-binary), never taken as a prebuilt
# wheel: the wheel looks for libmpi.so.12, which Debian's MPICH names libmpich.so.12, and a
# cluster's mpi4py must use the cluster's MPI anyway. The first build takes about 3 minutes;
# pip keeps the result in its cache for the next .venv.
MPICC := $(shell command -v mpicc 2>/dev/null)
MPIEXEC := $(shell command -v mpiexec 2>/dev/null)
ifneq ($(and $(MPICC),$(MPIEXEC)),)
MPI_INSTALLED := $(VENV)/.mpi-installed
endif

$(VENV)/.mpi-installed: $(VENV)/.installed
	@echo "Building mpi4py against $(MPICC) (the MPI tests' executor)"
	$(VENV)/bin/python -m pip install --quiet --no-binary mpi4py -e '.[mpi]'
	@touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/python examples/demo.py

# As root, chmod-000 files stay readable, so the `unprivileged` tests skip in the first pass;
# a second pass runs only them with the file-permission override capabilities dropped (still
# uid 0, so the root-owned worktree, .venv and pytest's tmp folders stay usable). There a test
# whose file stays readable fails (AUTOFIT_CSV_REQUIRE_UNPRIVILEGED). Exit status 5 (nothing
# selected, e.g. by -k in PYTEST_ARGS) is not a failure.
UNPRIVILEGED := setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search

test: $(VENV)/.installed $(MPI_INSTALLED)
	@if [ -z "$(MPI_INSTALLED)" ]; then \
		echo "MPI tests: no mpicc/mpiexec on PATH, so no mpi4py: they skip (or fail, with AUTOFIT_CSV_REQUIRE_MPI=1). apt-get install mpich libmpich-dev to run them"; \
	fi
	$(VENV)/bin/python -m pytest test_autofit_csv $(PYTEST_ARGS)
	@if [ "$$(id -u)" != 0 ]; then exit 0; fi; \
	if ! command -v setpriv >/dev/null; then \
		echo "Unprivileged (file permission) tests: not run (root, and no setpriv to drop the override)"; \
		exit 0; \
	fi; \
	echo "Unprivileged pass: $(UNPRIVILEGED) pytest -m unprivileged"; \
	AUTOFIT_CSV_REQUIRE_UNPRIVILEGED=1 $(UNPRIVILEGED) \
		$(VENV)/bin/python -m pytest test_autofit_csv -m unprivileged $(PYTEST_ARGS); \
	status=$$?; [ $$status = 0 ] || [ $$status = 5 ] || exit $$status

# Warnings are errors (-W), all of them reported (--keep-going); -E re-reads every page, since an
# incremental build would not repeat the warnings of pages that did not change.
$(VENV)/.docs-installed: $(VENV)/.installed setup.py
	$(VENV)/bin/python -m pip install --quiet -e '.[docs]'
	@touch $@

docs: $(VENV)/.docs-installed
	$(VENV)/bin/python -m sphinx -W --keep-going -E -b html -d docs/_build/doctrees docs docs/_build/html

clean:
	rm -rf $(VENV) examples/output
