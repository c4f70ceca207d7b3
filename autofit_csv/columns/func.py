"""
A value computed by the user from a model instance (or, for autofit's drop-in
``add_computed_column``, from the fit object itself).
"""
import itertools
from typing import Callable, Iterable, List, Optional

from autofit_csv.columns.base import Column, RowContext
from autofit_csv.errors import ColumnFunctionError, FitFileError, PathNotInFitError, warn


#: How many fits are tried to learn the keys of a dict-valued function.
PROBE_LIMIT = 50


class FuncColumn(Column):
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
        """
        super().__init__(name, folder)
        self.function = latent_func
        self.use_max_lh_instance = use_max_lh_instance
        self._keys: Optional[List[str]] = None

    def argument(self, fit):
        """
        What the user's function is given for one fit.
        """
        return fit.instance(self.use_max_lh_instance)

    def _result(self, fit):
        return self.call_user_function(self.function, self.argument(fit), fit.label)

    def prepare(self, fits: Iterable):
        # Bounded: a function that fails everywhere should not cost a pass over every fit here.
        for fit in itertools.islice(fits, PROBE_LIMIT):
            try:
                result = self._result(fit)
            except (FitFileError, PathNotInFitError, ColumnFunctionError):
                continue
            if isinstance(result, dict):
                self._keys = [str(key) for key in result]
            return

    def headers(self) -> List[str]:
        if self._keys is None:
            return [self.name]
        return [f"{self.name}_{key}" for key in self._keys]

    def cells(self, fit, row: RowContext) -> list:
        result = self._result(fit)
        if (self._keys is None) == isinstance(result, dict):
            expected = "a value" if self._keys is None else f"a dict with keys {self._keys}"
            raise ColumnFunctionError(
                f"{self.describe()}: {getattr(self.function, '__name__', self.function)} "
                f"returned {result!r} for fit {fit.label}, but {expected} for the first fit "
                f"it succeeded on (which set the headers)"
            )
        if self._keys is None:
            return [result]
        keys = [str(key) for key in result]
        extra = [key for key in keys if key not in self._keys]
        missing = [key for key in self._keys if key not in keys]
        if extra or missing:
            warn(
                f"{self.describe()}: for fit {fit.label} the dict has keys {keys}, the headers "
                f"{self._keys}; missing keys are left blank"
                + (f", extra keys {extra} are not written" if extra else "")
            )
        by_text = {str(key): value for key, value in result.items()}
        return [by_text.get(key) for key in self._keys]


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
            Takes the fit object, returns a value or a dict of values.
        folder
            The end of the location of the fits read.
        """
        super().__init__(name, compute, folder)

    def argument(self, fit):
        return fit.handle.fit
