"""
Values of a model parameter or latent variable, read from a fit's summary as written.
"""
from typing import Optional

from autofit_csv.columns.base import Column, RowContext
from autofit_csv.errors import MissingFileError, PathNotInFitError
from autofit_csv.loaders.base import LATENT_SUMMARY, SAMPLES_SUMMARY


def summary_value(fit, summary_file: str, section: str, path: str):
    """
    The entry of ``path`` in one section of a fit's summary.

    A parameter with linked priors is written under only one of its paths, and not the same one
    in every section; when ``path`` is not written, its aliases from ``model.json`` are tried
    (model parameters only: latent variables have no prior).

    Raises
    ------
    MissingFileError
        The summary (or the section, or the model needed for aliases) is missing.
    PathNotInFitError
        Neither the path nor any alias is in the section.
    """
    values = fit.summary(summary_file).section(section)
    if values is None:
        raise MissingFileError(fit.label, f"files/{summary_file}.json", f"has no {section}")
    if path in values:
        return values[path]
    if summary_file == SAMPLES_SUMMARY:
        for alias in fit.model_paths().aliases(path):
            if alias in values:
                return values[alias]
    raise PathNotInFitError(
        f"{fit.label}: {path!r} is not in files/{summary_file}.json ({section})"
    )


class ValueColumn(Column):
    #: The file the column reads.
    summary_file = SAMPLES_SUMMARY

    def __init__(
        self,
        name: str,
        model_path: str,
        folder: Optional[str] = None,
        use_max_lh_instance: bool = False,
    ):
        """
        A model parameter's median PDF value (or maximum likelihood value) from
        ``samples_summary.json``.

        Parameters
        ----------
        name
            The header.
        model_path
            The parameter's path, e.g. ``galaxies.lens.mass.einstein_radius``; any alias of a
            linked prior works.
        folder
            The end of the location of the fits read (see ``Column``).
        use_max_lh_instance
            Take the maximum likelihood sample instead of the median PDF sample.
        """
        super().__init__(name, folder)
        self.model_path = model_path
        self.section = (
            "max_log_likelihood_sample" if use_max_lh_instance else "median_pdf_sample"
        )

    def cells(self, fit, row: RowContext) -> list:
        return [summary_value(fit, self.summary_file, self.section, self.model_path)]


class LatentColumn(ValueColumn):
    """
    A latent variable's median PDF value (or maximum likelihood value) from
    ``latent/latent_summary.json``; arguments as ``ValueColumn``.
    """

    summary_file = LATENT_SUMMARY
