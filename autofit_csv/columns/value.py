"""
Values of a model parameter or latent variable, read from a fit's summary as written.
"""
from typing import Dict, Iterable, Optional

from autofit_csv.columns.base import Column, RowContext
from autofit_csv.errors import PathNotInFitError
from autofit_csv.loaders.base import LATENT_SUMMARY, SAMPLES_SUMMARY
from autofit_csv.path_kind import LATENT, kind_of_path

#: How descriptions name a summary section.
SECTION_NAMES = {
    "median_pdf_sample": "median PDF",
    "max_log_likelihood_sample": "max likelihood",
}


def summary_value(files, summary_file: str, section: str, path: str):
    """
    The entry of ``path`` in one section of a fit's summary.

    A parameter with linked priors is written under only one of its paths, and not the same one
    in every section; when ``path`` is not written, its aliases from ``model.json`` are tried
    (model parameters only: latent variables have no prior).

    Raises
    ------
    MissingFileError
        The summary (or the section, or the model needed for aliases) is missing.
    UnreadableFileError
        The summary is not shaped as autofit writes it.
    PathNotInFitError
        Neither the path nor any alias is in the section.
    """
    file = f"files/{summary_file}.json"
    values = files.section(summary_file, section)
    if path in values:
        return values[path]
    if summary_file == SAMPLES_SUMMARY:
        for alias in files.model_paths().aliases(path):
            if alias in values:
                return values[alias]
    raise PathNotInFitError(
        f"{files.label}: {path!r} is not in {file} ({section})",
        f"model path not in {file} ({section})",
    )


class SummaryColumn(Column):
    def __init__(self, name: str, model_path: str, folder: Optional[str] = None):
        """
        A column of numbers read from a summary file under a model path, which is either a
        model parameter (``samples_summary.json``) or a latent variable
        (``latent/latent_summary.json``): ``prepare`` finds out which from the fits.

        Parameters
        ----------
        name
            The header or the stem of the headers.
        model_path
            The parameter's path; any alias of a linked prior works.
        folder
            The end of the location of the fits read.
        """
        super().__init__(name, folder)
        if not isinstance(model_path, str) or not model_path:
            raise ValueError(f"column {name!r}: model_path must be a non-empty string")
        self.model_path = model_path
        #: The summary the column reads; None until ``prepare`` has looked at the fits.
        self.summary_file: Optional[str] = None

    def prepare(self, fits: Iterable):
        if self.summary_file is None:
            kind = kind_of_path(self.model_path, fits, self.folder_text)
            self.summary_file = LATENT_SUMMARY if kind == LATENT else SAMPLES_SUMMARY

    @property
    def is_latent(self) -> bool:
        return self.summary_file == LATENT_SUMMARY

    def path_text(self) -> str:
        return f"{'latent variable' if self.is_latent else 'model parameter'} {self.model_path}"


class ValueColumn(SummaryColumn):
    def __init__(
        self,
        name: str,
        model_path: str,
        folder: Optional[str] = None,
        use_max_lh_instance: bool = False,
    ):
        """
        A model parameter's (or latent variable's) median PDF value, or its maximum likelihood
        value, from ``samples_summary.json`` (or ``latent/latent_summary.json``).

        Parameters
        ----------
        name
            The header.
        model_path
            The parameter's path, e.g. ``galaxies.lens.mass.einstein_radius``; any alias of a
            linked prior works. A latent variable's path reads the latent summary.
        folder
            The end of the location of the fits read (see ``Column``).
        use_max_lh_instance
            Take the maximum likelihood sample instead of the median PDF sample.
        """
        super().__init__(name, model_path, folder)
        self.section = (
            "max_log_likelihood_sample" if use_max_lh_instance else "median_pdf_sample"
        )

    def cells(self, files, row: RowContext) -> list:
        return [summary_value(files, self.summary_file, self.section, self.model_path)]

    def source(self) -> str:
        return f"{self.path_text()}, {SECTION_NAMES[self.section]}"

    def numeric_kinds(self) -> Dict[str, str]:
        return {self.name: self.section}


class LatentColumn(ValueColumn):
    """
    A latent variable's median PDF value (or maximum likelihood value), always read from
    ``latent/latent_summary.json``; arguments as ``ValueColumn``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.summary_file = LATENT_SUMMARY
