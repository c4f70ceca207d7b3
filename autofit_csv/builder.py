"""
Producing the table's rows: for each row key, each column's fit, each column's cells.

Rows are built in chunks and handed on, so memory holds one chunk at a time however many fits
there are. With ``processes > 1`` chunks are built in forked worker processes and returned in
order, so the output, the report and the warnings are those of a serial build. Every failure
while reading one fit is caught here, blanks only that fit's cells, and is recorded in the chunk's
``BuildLog``; only ``strict`` turns it into an exception.
"""
import gc
import multiprocessing
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional

from autofit_csv.build_log import BuildLog
from autofit_csv.columns import Column, RowContext
from autofit_csv.errors import (
    ColumnFunctionError,
    FitFileError,
    PathNotInFitError,
    WorkerDiedError,
    warn,
)
from autofit_csv.loaders import files_for
from autofit_csv.output import cell_text
from autofit_csv.quality import QualityPart, QualityPlan
from autofit_csv.rows import RowIndex, RowKey

#: Rows per chunk: large enough that shipping a chunk costs little, small enough to keep memory
#: flat and the progress bar moving.
CHUNK_ROWS = 500


@dataclass
class Chunk:
    """
    The rows of consecutive keys, with what building them recorded.
    """

    rows: List[list]
    log: BuildLog
    quality: QualityPart
    #: (category, message, filename, lineno) of warnings raised in a worker, to re-issue.
    warnings: list


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
            Raise at the first fit that cannot be read or function that fails, instead of
            blanking the cells.
        """
        self.columns = columns
        self.strict = strict
        self.widths = [len(column.headers()) for column in columns]
        self.per_column: List[Optional[Dict]] = [
            index.fits_for(column.folder) if column.uses_fit else None for column in columns
        ]
        keys = set(extra_rows)
        for fits in self.per_column:
            if fits is not None:
                keys.update(fits)
        if not columns:
            # A table with no columns yet has one row per fit, as autofit's AggregateCSV.
            keys.update(index.fits_for(()))
        self.keys: List[RowKey] = sorted(keys)
        self.quality = QualityPlan(columns)

    # ------------------------------------------------------------------ one chunk of rows

    def build(self, keys: List[RowKey], as_text: bool = False) -> Chunk:
        """
        The rows of ``keys``, in order, with their log and quality findings. ``as_text`` gives
        each cell as its CSV text.
        """
        log = BuildLog()
        quality = self.quality.part()
        rows = []
        for key in keys:
            rows.append(self._row(key, log))
        quality.add(rows)
        if as_text:
            rows = [[cell if type(cell) is str else cell_text(cell) for cell in row] for row in rows]
        return Chunk(rows, log, quality, [])

    def _row(self, key: RowKey, log: BuildLog) -> list:
        row = RowContext(key)
        opened = {}
        cells = [str(key)]
        used = log.used
        for position, (column, fits, width) in enumerate(
            zip(self.columns, self.per_column, self.widths)
        ):
            files = None
            if fits is not None:
                handle = fits.get(key)
                if handle is None:
                    cells.extend([None] * width)
                    log.record_blank(
                        position,
                        column.headers(),
                        f"no fit in folder {column.folder_text!r}",
                        str(key),
                        is_row=True,
                    )
                    continue
                files = opened.get(handle.index)
                if files is None:
                    files = opened[handle.index] = files_for(handle)
            try:
                out = column.cells(files, row)
            except Exception as error:
                out = self._failed(position, column, files, row, error, log)
            else:
                if column.calls_user_function:
                    log.function_call(position)
                if row.notes:
                    for reason, message in row.notes:
                        log.note(position, reason, files.label if files else str(key), message)
                    row.notes.clear()
                if None in out:
                    self._empty(position, column, out, files, row, log)
                elif files is not None:
                    used.add(files.handle.index)
            cells.extend(out)
        return cells

    def _failed(self, position: int, column: Column, files, row, error: Exception, log) -> list:
        """
        The blank cells of a column that could not fill them, after recording why.
        """
        who = files.label if files is not None else str(row.key)
        if isinstance(error, ColumnFunctionError):
            log.function_call(position, str(error))
        if self.strict and not isinstance(error, PathNotInFitError):
            raise error
        if isinstance(error, FitFileError):
            message = str(error)
            if files is not None and error.file.startswith("files/") and not files.handle.is_complete:
                message += " (the fit has no .completed file: still running, or stopped)"
        elif isinstance(error, (PathNotInFitError, ColumnFunctionError)):
            message = str(error)
        else:
            message = f"{column.describe()}: {type(error).__name__}: {error} for {who}"
        log.record_blank(position, column.headers(), column.blank_reason(error), who, message)
        return [None] * len(column.headers())

    @staticmethod
    def _empty(position: int, column: Column, out: list, files, row, log):
        who = files.label if files is not None else str(row.key)
        headers = column.headers()
        blank = [header for header, cell in zip(headers, out) if cell is None]
        log.record_blank(position, blank, column.empty_reason(), who)
        if files is not None and len(blank) < len(headers):
            log.used.add(files.handle.index)

    # ------------------------------------------------------------------ the whole table

    def chunks(self, processes: int = 1, as_text: bool = False) -> Iterator[Chunk]:
        """
        Every chunk of rows, in key order.

        Parameters
        ----------
        processes
            Worker processes reading fits in parallel (1: in this process).
        as_text
            Give each cell as its CSV text (done in the workers, when there are some).
        """
        keys = self.keys
        size = CHUNK_ROWS
        if processes > 1:
            size = max(1, min(CHUNK_ROWS, len(keys) // (processes * 8)))
        pieces = [keys[i : i + size] for i in range(0, len(keys), size)] or [[]]
        # The fits and columns live as long as the table: frozen, the garbage collector stops
        # re-scanning them while rows are built, and forked workers do not copy their pages.
        gc.freeze()
        try:
            if processes > 1 and len(pieces) > 1 and _can_fork():
                yield from self._parallel(pieces, processes, as_text)
            else:
                for piece in pieces:
                    yield self.build(piece, as_text)
        finally:
            gc.unfreeze()

    def _parallel(self, pieces: List[List[RowKey]], processes: int, as_text: bool):
        """
        Chunks built in order: this process builds every ``processes``-th chunk (it would
        otherwise sit idle waiting), ``processes - 1`` forked workers build the rest. A worker
        that dies fails the build at once, naming the fits it was reading.
        """
        global _BUILDER
        # Forked workers inherit the columns (user functions need not be picklable).
        _BUILDER = (self, as_text)
        context = multiprocessing.get_context("fork")
        executor = ProcessPoolExecutor(processes - 1, mp_context=context)
        pending = {}
        # Repeats of a worker's warning show as often as in a serial build ("default" action).
        registry = {}
        try:
            theirs = [i for i in range(len(pieces)) if i % processes]
            window = 4 * (processes - 1)
            submitted = 0

            def submit_more(until: int):
                nonlocal submitted
                while submitted < len(theirs) and theirs[submitted] <= until:
                    index = theirs[submitted]
                    pending[index] = executor.submit(_build_chunk, pieces[index])
                    submitted += 1

            for index, piece in enumerate(pieces):
                submit_more(index + window)
                if index % processes == 0:
                    yield self.build(piece, as_text)
                    continue
                try:
                    chunk = pending.pop(index).result()
                except BrokenProcessPool as error:
                    raise WorkerDiedError(_died_message(self, pieces, sorted([index, *pending])))
                for category, message, filename, lineno in chunk.warnings:
                    warnings.warn_explicit(message, category, filename, lineno, registry=registry)
                chunk.quality._plan = self.quality
                yield chunk
        finally:
            _BUILDER = None
            for future in pending.values():
                future.cancel()
            executor.shutdown(wait=True, cancel_futures=True)


def _died_message(builder: RowBuilder, pieces, indices: List[int]) -> str:
    labels = []
    for index in indices:
        for key in pieces[index]:
            for fits in builder.per_column:
                handle = fits.get(key) if fits is not None else None
                if handle is not None and handle.label not in labels:
                    labels.append(handle.label)
    shown = ", ".join(labels[:10]) + (f" and {len(labels) - 10} more" if len(labels) > 10 else "")
    return (
        f"a worker process died (killed, out of memory, or a crash in native code) while "
        f"reading one of these fits: {shown}. No file was written; build with processes=1 to "
        f"see which fit and function it was."
    )


#: What forked workers build from: (the builder, whether cells are wanted as text).
_BUILDER: Optional[tuple] = None


def _can_fork() -> bool:
    if "fork" in multiprocessing.get_all_start_methods():
        return True
    warn("processes > 1 needs the 'fork' start method (Linux, macOS); building in one process")
    return False


def _build_chunk(keys: List[RowKey]) -> Chunk:
    """
    A worker's share: the rows of ``keys``, with every warning they raised, to be re-issued by
    the parent in order with its own category.
    """
    builder, as_text = _BUILDER
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chunk = builder.build(keys, as_text)
    chunk.warnings = [
        (_portable(w.category), str(w.message), w.filename, w.lineno) for w in caught
    ]
    return chunk


def _portable(category):
    """
    A warning category that survives the trip back to the parent (a class defined inside a
    function cannot be pickled; such warnings come back as ``UserWarning``).
    """
    import pickle

    try:
        pickle.dumps(category)
        return category
    except Exception:
        return UserWarning
