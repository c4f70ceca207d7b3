# The two commands of the README. Each creates .venv with Python >= 3.12 and installs the
# package with its test extras the first time (or when setup.py / requirements.txt change).
#   make demo   real autofit fits of a small example, then the CSV built from them, printed
#   make test   the whole test suite
#   make docs   the Sphinx site, into docs/_build/html (installs the docs extra the first time)
# Point at a specific interpreter with: make PYTHON=/path/to/python3.12 test

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

demo: $(VENV)/.installed
	$(VENV)/bin/python examples/demo.py

test: $(VENV)/.installed
	$(VENV)/bin/python -m pytest test_autofit_csv $(PYTEST_ARGS)

# Warnings are errors (-W), all of them reported (--keep-going); -E re-reads every page, since an
# incremental build would not repeat the warnings of pages that did not change.
$(VENV)/.docs-installed: $(VENV)/.installed setup.py
	$(VENV)/bin/python -m pip install --quiet -e '.[docs]'
	@touch $@

docs: $(VENV)/.docs-installed
	$(VENV)/bin/python -m sphinx -W --keep-going -E -b html -d docs/_build/doctrees docs docs/_build/html

clean:
	rm -rf $(VENV) examples/output
