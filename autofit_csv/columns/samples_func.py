"""
A value with its own error bars, computed by the user from a fit's full samples.
"""
import contextlib
import numbers
import zlib
from typing import Callable, Dict, List, Optional

import numpy

from autofit_csv.columns.base import Column, RowContext, function_cell, require_callable
from autofit_csv.errors import ColumnFunctionError


@contextlib.contextmanager
def seeded_by(location: str):
    """
    numpy's global random state seeded from a fit's location while its samples function runs,
    and put back afterwards. ``samples.draw_randomly_via_pdf()`` draws from it: a fit gets the
    same draws however rows are shared among processes or machines, so a table is the same
    bytes in every mode and on every run. A function that seeds numpy itself still decides.
    """
    state = numpy.random.get_state()
    numpy.random.seed(zlib.crc32(location.encode("utf-8", "surrogateescape")))
    try:
        yield
    finally:
        numpy.random.set_state(state)


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
        samples = files.samples()
        with seeded_by(files.handle.location):
            result = self.call_user_function(self.function, samples, files.label)
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
