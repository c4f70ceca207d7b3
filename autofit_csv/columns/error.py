"""
The interval around a parameter: ``values_at_sigma_N`` (lower and upper values) or
``errors_at_sigma_N`` (lower and upper errors).
"""
import re
from typing import Dict, List, Optional

from autofit_csv.columns.base import RowContext
from autofit_csv.columns.value import SummaryColumn, summary_value

ERROR_KINDS = (
    "values_at_sigma_1",
    "values_at_sigma_3",
    "errors_at_sigma_1",
    "errors_at_sigma_3",
)


class ErrorColumn(SummaryColumn):
    def __init__(
        self,
        name: str,
        model_path: str,
        error: str,
        folder: Optional[str] = None,
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
            The parameter's path (aliases of a linked prior work) or a latent variable's.
        error
            One of ``values_at_sigma_1``, ``values_at_sigma_3``, ``errors_at_sigma_1``,
            ``errors_at_sigma_3``: the section of the summary to read.
        folder
            The end of the location of the fits read.

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
        super().__init__(name, model_path, folder)
        self.error = error
        kind, sigma = re.fullmatch(r"(values|errors)_at_sigma_(\d)", error).groups()
        self.is_errors = kind == "errors"
        middle = "error_" if self.is_errors else ""
        self._suffixes = (f"lower_{middle}{sigma}_sigma", f"upper_{middle}{sigma}_sigma")

    def headers(self) -> List[str]:
        return [f"{self.name}_{suffix}" for suffix in self._suffixes]

    def describe(self) -> str:
        # Not "column 'x'" alone: the value column of the same name reads another section.
        where = f", folder {self.folder_text!r}" if self.folder else ""
        lower, upper = self.headers()
        return f"columns {lower!r}/{upper!r}{where}"

    def cells(self, files, row: RowContext) -> list:
        lower, upper = summary_value(files, self.summary_file, self.error, self.model_path)
        return [lower, upper]

    def descriptions(self) -> Dict[str, str]:
        where = f", folder {self.folder_text}" if self.folder else ""
        return {
            header: f"{self.path_text()}, {self.error} {side}{where}"
            for header, side in zip(self.headers(), ("lower", "upper"))
        }

    def numeric_kinds(self) -> Dict[str, str]:
        lower, upper = self.headers()
        return {lower: f"{self.error}.lower", upper: f"{self.error}.upper"}
