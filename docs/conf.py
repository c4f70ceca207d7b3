"""
Sphinx configuration of the autofit_csv site: the Markdown pages of docs/ (MyST) and an API
reference read from the docstrings (numpy style). Build with ``make docs``.
"""
import os
import sys
from pathlib import Path

# Document the checkout's own package, the one its tests import, whatever is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PYAUTO_SKIP_WORKSPACE_VERSION_CHECK", "1")

import autofit_csv  # noqa: E402

project = "autofit_csv"
author = "autofit_csv contributors"
copyright = "autofit_csv contributors"
release = autofit_csv.__version__
version = release

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# Pages link to each other by file (rows.md#...): let MyST make anchors of the headings.
myst_heading_anchors = 3

napoleon_google_docstring = False
napoleon_numpy_docstring = True
# :ivar: fields, so that a class's "Attributes" section never clashes with autodoc's own entry.
napoleon_use_ivar = True

autodoc_default_options = {"members": True, "member-order": "bysource", "show-inheritance": True}
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
# A class's text is its docstring and then its __init__'s, where most of ours say what to pass.
autoclass_content = "both"

html_theme = "furo"
html_title = f"autofit_csv {release}"


def _document_every_public_name(app, what, name, obj, skip, options):
    # autodoc leaves out members without a docstring; a name in __all__ is public all the same.
    if what == "module" and name in autofit_csv.__all__:
        return False
    return None


def setup(app):
    app.connect("autodoc-skip-member", _document_every_public_name)
