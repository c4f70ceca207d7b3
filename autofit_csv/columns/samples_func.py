"""
A value with its own error bars, computed by the user from a fit's full samples.
"""
import numbers
from typing import Callable, Dict, List, Optional

from autofit_csv.columns.base import Column, RowContext, function_cell, require_callable
from autofit_csv.errors import ColumnFunctionError


class SamplesFuncColumn(Column):
    calls_user_function = True

    def __init__(self, name: str, samples_func: Callable, folder: Optional[str] = None):
        """
        ``samples_func(samples)`` -> ``(median, lower, upper)``, written as ``name``,
        ``name_lower`` and ``name_upper``.

        ``samples`` is autofit's samples object for the fit, loaded from ``samples.csv``, so
        ``samples.draw_randomly_via_pdf()`` and ``af.marginalize`` work as usual. This is the
        only column that reads ``samples.csv``.

        Parameters
        ----------
        name
            The stem of the three headers.
        samples_func
            Takes the samples, returns three numbers.
        folder
            The end of the location of the fits read.

        Raises
        ------
        TypeError
            ``samples_func`` is not callable.
        """
        require_callable(samples_func, "samples_func")
        super().__init__(name, folder)
        self.function = samples_func

    def headers(self) -> List[str]:
        return [self.name, f"{self.name}_lower", f"{self.name}_upper"]

    def descriptions(self) -> Dict[str, str]:
        where = f", folder {self.folder_text}" if self.folder else ""
        function = f"{self.function_name(self.function)}(samples)"
        return {
            header: f"{function} {part}{where}"
            for header, part in zip(self.headers(), ("median", "lower", "upper"))
        }

    def cells(self, files, row: RowContext) -> list:
        result = self.call_user_function(self.function, files.samples(), files.label)
        try:
            values = list(result)
        except TypeError:
            values = None
        if (
            values is None
            or len(values) != 3
            or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)
        ):
            name = self.function_name(self.function)
            raise ColumnFunctionError(
                f"{self.describe()}: {name} should return three numbers (median, lower, upper) "
                f"but returned {result!r} for fit {files.label}",
                f"{name} did not return three numbers",
            )
        return [function_cell(self, self.function, value, files.label) for value in values]
