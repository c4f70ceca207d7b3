"""
Producing the table's rows: for each row key, each column's fit, each column's cells.

Rows are produced one at a time and handed on, so memory holds one row's files at a time however
many fits there are. With ``processes > 1`` chunks of rows are built in forked worker processes
and returned in order, so the output is the same bytes as a serial build.
"""
import gc
import multiprocessing
import sys
import warnings
from typing import Dict, Iterator, List, Optional

from autofit_csv.columns import Column, RowContext
from autofit_csv.errors import (
    AutofitCSVWarning,
    ColumnFunctionError,
    FitFileError,
    PathNotInFitError,
    warn,
)
from autofit_csv.loaders import files_for
from autofit_csv.output import cell_text
from autofit_csv.rows import RowIndex, RowKey

class RowBuilder:
    def __init__(
        self,
        columns: List[Column],
        index: RowIndex,
        extra_rows: List[RowKey],
        strict: bool,
    ):
        """
        Turns columns and the fits of a ``RowIndex`` into lists of cells, one per row.

        Parameters
        ----------
        columns
            The table's columns, in order.
        index
            The fits, grouped per folder.
        extra_rows
            Row keys that no fit makes (``AggregatorCSV.from_rows``).
        strict
            Re-raise ``ColumnFunctionError`` instead of blanking the cell.
        """
        self.columns = columns
        self.strict = strict
        self.per_column: List[Optional[Dict]] = [
            index.fits_for(column.folder) if column.uses_fit else None
            for column in columns
        ]
        keys = set(extra_rows)
        for fits in self.per_column:
            if fits is not None:
                keys.update(fits)
        self.keys: List[RowKey] = sorted(keys)

    # ------------------------------------------------------------------ one chunk of rows

    def build(self, keys: List[RowKey], absent: dict, as_text: bool = False) -> Iterator[list]:
        """
        The rows of ``keys``, in order. Rows lacking a fit in some column's folder are noted in
        ``absent`` (folder -> key -> column names) for one summary warning at the end.
        ``as_text`` gives each cell as its CSV text.
        """
        reported = set()
        for key in keys:
            row = RowContext(key)
            files = {}
            cells = [str(key)]
            for column, fits in zip(self.columns, self.per_column):
                fit = None
                if fits is not None:
                    handle = fits.get(key)
                    if handle is None:
                        cells.extend([None] * len(column.headers()))
                        absent.setdefault(column.folder_text, {}).setdefault(key, []).append(
                            column.name
                        )
                        continue
                    fit = files.get(handle.index)
                    if fit is None:
                        fit = files[handle.index] = files_for(handle)
                cells.extend(self._cells(column, fit, row, reported))
            yield [cell_text(cell) for cell in cells] if as_text else cells

    def _cells(self, column: Column, fit, row: RowContext, reported: set) -> list:
        blank = [None] * len(column.headers())
        try:
            return column.cells(fit, row)
        except FitFileError as error:
            # One message per missing file of a fit, however many columns need it.
            if (error.fit, error.file) not in reported:
                reported.add((error.fit, error.file))
                hint = ""
                if fit is not None and not fit.handle.is_complete:
                    hint = " (the fit has no .completed file: still running, or stopped)"
                warn(
                    f"{error}{hint}; blank cells in {column.describe()} and any other "
                    f"column needing it"
                )
            return blank
        except PathNotInFitError as error:
            warn(f"{column.describe()}: {error}; cell left blank")
            return blank
        except ColumnFunctionError as error:
            if self.strict:
                raise
            warn(f"{error}; cell left blank (strict=True stops instead)")
            return blank

    # ------------------------------------------------------------------ the whole table

    def rows(
        self, processes: int = 1, progress: Optional[bool] = None, as_text: bool = False
    ) -> Iterator[list]:
        """
        Every row, in key order.

        Parameters
        ----------
        processes
            Worker processes reading fits in parallel (1: in this process).
        progress
            Show a progress bar on stderr; None shows one when stderr is a terminal.
        as_text
            Give each cell as its CSV text (done in the workers, when there are some).
        """
        absent = {}
        if processes > 1 and len(self.keys) > 1 and _can_fork():
            produced = self._parallel(processes, absent, as_text)
        else:
            produced = self.build(self.keys, absent, as_text)
        if progress is None:
            progress = sys.stderr.isatty()
        if progress:
            from tqdm import tqdm

            produced = tqdm(produced, total=len(self.keys), unit="row", desc="AggregatorCSV")
        # The fits and columns live as long as the table: frozen, the garbage collector stops
        # re-scanning them while rows are built, and forked workers do not copy their pages.
        gc.freeze()
        try:
            yield from produced
        finally:
            gc.unfreeze()
        self._warn_absent(absent)

    def _parallel(self, processes: int, absent: dict, as_text: bool) -> Iterator[list]:
        """
        Rows built in chunks, in order: this process builds every ``processes``-th chunk (it
        would otherwise sit idle waiting), ``processes - 1`` forked workers build the rest.
        """
        global _BUILDER
        size = max(1, min(500, len(self.keys) // (processes * 8)))
        chunks = [self.keys[i : i + size] for i in range(0, len(self.keys), size)]
        # Forked workers inherit the columns (user functions need not be picklable).
        _BUILDER = (self, as_text)
        context = multiprocessing.get_context("fork")
        try:
            with context.Pool(processes - 1) as pool:
                theirs = pool.imap(
                    _build_chunk, [c for i, c in enumerate(chunks) if i % processes]
                )
                for index, chunk in enumerate(chunks):
                    built = next(theirs) if index % processes else _build_chunk(chunk)
                    rows, caught, chunk_absent = built
                    for message in caught:
                        warn(message)
                    for folder, by_key in chunk_absent.items():
                        absent.setdefault(folder, {}).update(by_key)
                    yield from rows
        finally:
            _BUILDER = None

    @staticmethod
    def _warn_absent(absent: dict):
        for folder, by_key in absent.items():
            keys_missing = list(by_key)
            names = sorted({name for names in by_key.values() for name in names})
            shown = ", ".join(map(repr, keys_missing[:10]))
            more = f" and {len(keys_missing) - 10} more" if len(keys_missing) > 10 else ""
            warn(
                f"folder {folder!r}: no fit for {len(keys_missing)} row(s): {shown}{more}; "
                f"column(s) {', '.join(names)} left blank there"
            )


#: What forked workers build from: (the builder, whether cells are wanted as text).
_BUILDER: Optional[tuple] = None


def _can_fork() -> bool:
    if "fork" in multiprocessing.get_all_start_methods():
        return True
    warn("processes > 1 needs the 'fork' start method (Linux, macOS); building in one process")
    return False


def _build_chunk(keys: List[RowKey]):
    """
    A worker's share: rows of ``keys``, with the warnings they raised as text for the parent to
    re-issue in order.
    """
    absent = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AutofitCSVWarning)
        builder, as_text = _BUILDER
        rows = list(builder.build(keys, absent, as_text))
    messages = [str(w.message) for w in caught if issubclass(w.category, AutofitCSVWarning)]
    return rows, messages, absent
