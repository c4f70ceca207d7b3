"""
A value computed by the user from a model instance (or, for autofit's drop-in
``add_computed_column``, from autofit's fit object itself).
"""
import itertools
from typing import Callable, Dict, Iterable, List, Optional

from autofit_csv.columns.base import Column, RowContext, function_cell, require_callable
from autofit_csv.columns.value import SECTION_NAMES
from autofit_csv.errors import ColumnFunctionError, FitFileError, PathNotInFitError


#: How many fits are tried to learn the keys of a dict-valued function.
PROBE_LIMIT = 50


class FuncColumn(Column):
    calls_user_function = True

    def __init__(
        self,
        name: str,
        latent_func: Callable,
        folder: Optional[str] = None,
        use_max_lh_instance: bool = False,
    ):
        """
        ``latent_func(instance)`` for the instance autofit builds from the summary's median PDF
        sample (or maximum likelihood sample). Needs ``samples_summary.json`` and
        ``model.json``, never ``samples.csv``.

        A number gives one cell headed ``name``; a dict gives one cell per key, headed
        ``name_key``, with the keys of the first fit for which the function succeeds.

        Parameters
        ----------
        name
            The header, or the stem of the headers of a dict result.
        latent_func
            Takes the instance, returns a value or a dict of values.
        folder
            The end of the location of the fits read.
        use_max_lh_instance
            Build the instance from the maximum likelihood sample.

        Raises
        ------
        TypeError
            ``latent_func`` is not callable.
        """
        require_callable(latent_func, "latent_func")
        super().__init__(name, folder)
        self.function = latent_func
        self.use_max_lh_instance = use_max_lh_instance
        self._keys: Optional[List[str]] = None

    def argument(self, files):
        """
        What the user's function is given for one fit.
        """
        return files.instance(self.use_max_lh_instance)

    def _result(self, files):
        return self.call_user_function(self.function, self.argument(files), files.label)

    def prepare(self, fits: Iterable):
        # Bounded: a function that fails everywhere should not cost a pass over every fit here.
        for files in itertools.islice(fits, PROBE_LIMIT):
            try:
                result = self._result(files)
            except (FitFileError, PathNotInFitError, ColumnFunctionError):
                continue
            if isinstance(result, dict):
                self._keys = [str(key) for key in result]
            return

    def headers(self) -> List[str]:
        if self._keys is None:
            return [self.name]
        return [f"{self.name}_{key}" for key in self._keys]

    def source(self) -> str:
        section = "max_log_likelihood_sample" if self.use_max_lh_instance else "median_pdf_sample"
        return f"{self.function_name(self.function)}(instance), {SECTION_NAMES[section]} instance"

    def numeric_kinds(self) -> Dict[str, str]:
        section = "max_log_likelihood_sample" if self.use_max_lh_instance else "median_pdf_sample"
        return {header: section for header in self.headers()}

    def cells(self, files, row: RowContext) -> list:
        result = self._result(files)
        name = self.function_name(self.function)
        if (self._keys is None) == isinstance(result, dict):
            expected = "a value" if self._keys is None else f"a dict with keys {self._keys}"
            raise ColumnFunctionError(
                f"{self.describe()}: {name} returned {result!r} for fit {files.label}, but "
                f"{expected} for the first fit it succeeded on (which set the headers)",
                f"{name} returned another shape than for the first fit",
            )
        if self._keys is None:
            return [function_cell(self, self.function, result, files.label)]
        keys = [str(key) for key in result]
        extra = [key for key in keys if key not in self._keys]
        if extra:
            row.notes.append(
                (
                    f"{name} returned keys that are not headers (not written)",
                    f"{self.describe()}: for fit {files.label} the dict has keys {keys}, the "
                    f"headers {self._keys} (set by the first fit it succeeded on); {extra} not "
                    f"written",
                )
            )
        by_text = {str(key): value for key, value in result.items()}
        return [
            function_cell(self, self.function, by_text.get(key), files.label) for key in self._keys
        ]

    def empty_reason(self) -> str:
        name = self.function_name(self.function)
        if self._keys is None:
            return f"{name} returned None"
        return f"{name} returned None for the key, or a dict without it"


class ComputedColumn(FuncColumn):
    def __init__(self, name: str, compute: Callable, folder: Optional[str] = None):
        """
        autofit ``AggregateCSV.add_computed_column``: ``compute(fit)`` where ``fit`` is the
        aggregator's own object (a ``SearchOutput`` or a database ``Fit``).

        Parameters
        ----------
        name
            The header, or the stem of the headers of a dict result.
        compute
            Takes autofit's fit object, returns a value or a dict of values.
        folder
            The end of the location of the fits read.

        Raises
        ------
        TypeError
            ``compute`` is not callable.
        """
        require_callable(compute, "compute")
        super().__init__(name, compute, folder)

    def argument(self, files):
        return files.handle.autofit_fit

    def source(self) -> str:
        return f"{self.function_name(self.function)}(fit)"

    def numeric_kinds(self) -> Dict[str, str]:
        return {}
