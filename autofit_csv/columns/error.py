"""
The interval around a parameter: ``values_at_sigma_N`` (lower and upper values) or
``errors_at_sigma_N`` (lower and upper errors).
"""
import re
from typing import List, Optional

from autofit_csv.columns.base import Column, RowContext
from autofit_csv.columns.value import summary_value
from autofit_csv.loaders.base import LATENT_SUMMARY, SAMPLES_SUMMARY

ERROR_KINDS = (
    "values_at_sigma_1",
    "values_at_sigma_3",
    "errors_at_sigma_1",
    "errors_at_sigma_3",
)


class ErrorColumn(Column):
    def __init__(
        self,
        name: str,
        model_path: str,
        error: str,
        folder: Optional[str] = None,
        latent: bool = False,
    ):
        """
        Two cells: the lower and upper entries of one interval section of the summary.

        Headers are ``name_lower_3_sigma`` / ``name_upper_3_sigma`` for ``values_at_sigma_3``
        and ``name_lower_error_3_sigma`` / ``name_upper_error_3_sigma`` for
        ``errors_at_sigma_3`` (likewise ``_1_``).

        Parameters
        ----------
        name
            The stem of the headers.
        model_path
            The parameter's path (aliases of a linked prior work).
        error
            One of ``values_at_sigma_1``, ``values_at_sigma_3``, ``errors_at_sigma_1``,
            ``errors_at_sigma_3``: the section of ``samples_summary.json`` to read.
        folder
            The end of the location of the fits read.
        latent
            Read ``latent/latent_summary.json`` instead.

        Raises
        ------
        ValueError
            For an unknown ``error``.
        """
        if error not in ERROR_KINDS:
            raise ValueError(
                f"error={error!r} is not one of {', '.join(ERROR_KINDS)} "
                f"(the interval sections of samples_summary.json)"
            )
        super().__init__(name, folder)
        self.model_path = model_path
        self.error = error
        self.summary_file = LATENT_SUMMARY if latent else SAMPLES_SUMMARY
        kind, sigma = re.fullmatch(r"(values|errors)_at_sigma_(\d)", error).groups()
        middle = "error_" if kind == "errors" else ""
        self._suffixes = (f"lower_{middle}{sigma}_sigma", f"upper_{middle}{sigma}_sigma")

    def headers(self) -> List[str]:
        return [f"{self.name}_{suffix}" for suffix in self._suffixes]

    def cells(self, fit, row: RowContext) -> list:
        lower, upper = summary_value(fit, self.summary_file, self.error, self.model_path)
        return [lower, upper]
