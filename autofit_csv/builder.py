"""
Producing the table's rows: for each row key, each column's fit, each column's cells.

Rows are built in chunks and handed on, so memory holds one chunk at a time however many fits
there are. With ``processes > 1`` chunks are built in forked worker processes and returned in
order, so the output, the report and the warnings are those of a serial build. Every failure
while reading one fit is caught here, blanks only that fit's cells, and is recorded in the chunk's
``BuildLog``; only ``strict`` turns it into an exception.
"""
import multiprocessing
import os
import sys
import threading
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional

from autofit_csv.build_log import BuildLog
from autofit_csv.columns import Column, RowContext
from autofit_csv.errors import (
    ColumnFunctionError,
    DatabaseError,
    UnreadableFileError,
    FitFileError,
    PathNotInFitError,
    WorkerDiedError,
    warn,
)
from autofit_csv.loaders import PortableFit, files_for
from autofit_csv.output import cell_text
from autofit_csv.quality import QualityPart, QualityPlan
from autofit_csv.rows import RowIndex
from autofit_csv.speed import objects_frozen

#: The reason the report gives for a cell whose value is empty text.
EMPTY_TEXT = "the value is empty text"

def _files_of(handle):
    """
    The ``FitFiles`` of a handle, opening a ``PortableFit`` first; a fit that cannot be opened
    (gone since the table was made: a zip removed, a row deleted) gives the error instead, so
    that, as in a serial build, only its cells are lost, and it is tried once per row.
    """
    if type(handle) is not PortableFit:
        return files_for(handle)
    try:
        return files_for(handle.open())
    except Exception as error:
        return UnreadableFileError(
            handle.label,
            "",
            "could not be opened by the worker",
            f"{type(error).__name__}: {error}",
        )


def key_text(key: str) -> str:
    """
    A row key as a cell. A folder name that is not valid UTF-8 comes from the file system with
    surrogate escapes no file can hold; its odd bytes are written as ``\\xff`` escapes.
    """
    if key.isascii():
        return str(key)
    try:
        key.encode("utf-8")
        return str(key)
    except UnicodeEncodeError:
        return key.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


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


class ChunkBuilder:
    def __init__(self, columns: List[Column], per_column: List[Optional[Dict]], strict: bool, quality):
        """
        Builds the rows of given keys. Small enough to be sent to another process or machine:
        with ``per_column`` cut down to a chunk's keys and ``PortableFit`` values, it is the job
        an executor runs.

        Parameters
        ----------
        columns
            The table's columns, prepared.
        per_column
            Per column, row key -> the fit that fills it (a ``FitHandle`` or ``PortableFit``);
            None for columns that read no fit.
        strict
            Raise at the first fit that cannot be read or function that fails.
        quality
            The table's ``QualityPlan``.
        """
        self.columns = columns
        self.per_column = per_column
        self.strict = strict
        self.quality = quality
        self.widths = [len(column.headers()) for column in columns]

    def build(self, keys: List[str], as_text: bool = False) -> Chunk:
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

    def _row(self, key: str, log: BuildLog) -> list:
        row = RowContext(key)
        opened = {}
        cells = [key_text(key)]
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
                    files = opened[handle.index] = _files_of(handle)
                if type(files) is UnreadableFileError:
                    cells.extend(
                        self._failed(position, column, None, row, files, log, handle.label)
                    )
                    continue
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
                if None in out or "" in out:
                    self._empty(position, column, out, files, row, log)
                elif files is not None:
                    used.add(files.handle.index)
            cells.extend(out)
        return cells

    def _failed(
        self, position: int, column: Column, files, row, error: Exception, log, fit_label=None
    ) -> list:
        """
        The blank cells of a column that could not fill them, after recording why (against the
        fit, or the row for columns that read none).
        """
        on_row = files is None and fit_label is None
        who = fit_label or (files.label if files is not None else str(row.key))
        if isinstance(error, DatabaseError):
            # The database failed, not this fit: blanking every later cell would overwrite a good
            # catalogue with an empty one. Stop, naming the database.
            raise error
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
        log.record_blank(
            position, column.headers(), column.blank_reason(error), who, message, is_row=on_row
        )
        return [None] * len(column.headers())

    @staticmethod
    def _empty(position: int, column: Column, out: list, files, row, log):
        """
        Record the cells a column returned empty: None, or empty text (a blank cell in the CSV,
        null or masked in the other formats, as None is).
        """
        who = files.label if files is not None else str(row.key)
        headers = column.headers()
        nulls = [header for header, cell in zip(headers, out) if cell is None]
        texts = [header for header, cell in zip(headers, out) if isinstance(cell, str) and not cell]
        if nulls:
            log.record_blank(position, nulls, column.empty_reason(), who)
        if texts:
            log.record_blank(position, texts, EMPTY_TEXT, who)
        if files is not None and len(nulls) + len(texts) < len(headers):
            log.used.add(files.handle.index)

class RowBuilder:
    def __init__(
        self,
        columns: List[Column],
        index: RowIndex,
        extra_rows: List[str],
        strict: bool,
    ):
        """
        Decides the table's rows and builds them, in this process, in forked workers, or on any
        ``concurrent.futures.Executor``.

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
        per_column: List[Optional[Dict]] = [
            index.fits_for(column.folder) if column.uses_fit else None for column in columns
        ]
        if not columns:
            # A table with no columns yet has one row per fit, as autofit's AggregateCSV.
            per_folder = [index.fits_for(())]
        else:
            per_folder = list({id(fits): fits for fits in per_column if fits is not None}.values())
        if len(per_folder) == 1 and not extra_rows:
            # Shared, not copied: a survey's list of keys is no small thing.
            self.keys: List[str] = per_folder[0].sorted_keys
        else:
            keys = set(extra_rows)
            for fits in per_folder:
                keys.update(fits)
            self.keys = sorted(keys)
        self.chunk_builder = ChunkBuilder(columns, per_column, strict, QualityPlan(columns))
        #: One past the highest ``FitHandle.index``.
        self.fit_total = index.fits.total

    @property
    def quality(self) -> QualityPlan:
        return self.chunk_builder.quality

    def build(self, keys: List[str], as_text: bool = False) -> Chunk:
        """
        The rows of ``keys`` built in this process.
        """
        return self.chunk_builder.build(keys, as_text)

    # ------------------------------------------------------------------ the whole table

    def run(
        self,
        report,
        processes: int = 1,
        as_text: bool = False,
        executor=None,
        database_url=None,
        progress: Optional[bool] = None,
        skipped=(),
    ) -> Iterator[list]:
        """
        Every row, in key order, with a progress bar if wanted; when the last row is out,
        ``report`` is filled and its counted warnings issued.

        Parameters
        ----------
        report
            The ``BuildReport`` to fill.
        processes, as_text, executor, database_url
            See ``chunks``.
        progress
            A bar on stderr: None shows one when stderr is a terminal.
        skipped
            What discovery and the row index did not keep, for the report.

        Raises
        ------
        ColumnFunctionError
            After the last row, if a column's function failed for every fit it was called on.
        """
        if progress is None:
            progress = sys.stderr.isatty()
        bar = _progress_bar(len(self.keys)) if progress else None
        log = quality = None
        # A flag per fit rather than a set of indices: a survey's set would weigh more than
        # the table's own record of its fits.
        used = bytearray(self.fit_total)
        try:
            for chunk in self.chunks(processes, as_text, executor, database_url):
                for index in chunk.log.used:
                    used[index] = 1
                chunk.log.used = set()
                if log is None:
                    log, quality = chunk.log, chunk.quality
                else:
                    log.merge(chunk.log)
                    quality.merge(chunk.quality)
                report.rows += len(chunk.rows)
                yield from chunk.rows
                if bar is not None:
                    bar.update(len(chunk.rows))
        finally:
            if bar is not None:
                bar.close()
        columns = self.chunk_builder.columns
        report.fill(log, quality, skipped, fits_used=used.count(1))
        report.announce(log, lambda position: columns[position].describe())
        for position, (ok, failed, first) in sorted(log.functions.items()):
            if failed and not ok:
                raise ColumnFunctionError(
                    f"{columns[position].describe()}: the function failed for every one of the "
                    f"{failed} fit(s) it was called on, which is a bug in the function, not "
                    f"data. First: {first}"
                )

    def chunks(
        self, processes: int = 1, as_text: bool = False, executor=None, database_url=None
    ) -> Iterator[Chunk]:
        """
        Every chunk of rows, in key order.

        Parameters
        ----------
        processes
            Forked worker processes reading fits in parallel (1: in this process).
        as_text
            Give each cell as its CSV text (done in the workers, when there are some).
        executor
            A ``concurrent.futures.Executor`` (Dask's, mpi4py's, a process pool) to build chunks
            on instead; fits are sent as paths or database ids.
        database_url
            The database the fits come from, for workers of an executor to open.
        """
        keys = self.keys
        size = CHUNK_ROWS
        if executor is not None:
            size = max(1, min(CHUNK_ROWS, len(keys) // 32))
        elif processes > 1:
            size = max(1, min(CHUNK_ROWS, len(keys) // (processes * 8)))
        pieces = [keys[i : i + size] for i in range(0, len(keys), size)] or [[]]
        with objects_frozen():
            if executor is not None:
                yield from self._distributed(pieces, executor, as_text, database_url)
            elif processes > 1 and len(pieces) > 1 and _can_fork():
                yield from self._forked(pieces, processes, as_text, database_url)
            else:
                for piece in pieces:
                    yield self.build(piece, as_text)

    def _forked(self, pieces: List[List[str]], processes: int, as_text: bool, database_url):
        """
        Chunks built in order: this process builds every ``processes``-th chunk (it would
        otherwise sit idle waiting), ``processes - 1`` forked workers build the rest; they
        inherit the columns, so user functions need not be picklable. A database session must
        not be shared across a fork: workers get database fits as ``PortableFit`` and open
        their own.
        """
        global _BUILDER
        builder = self.chunk_builder
        if database_url:
            builder = self._portable(database_url)
        _BUILDER = (builder, as_text)
        context = multiprocessing.get_context("fork")
        executor = ProcessPoolExecutor(processes - 1, mp_context=context)
        try:
            theirs = [i for i in range(len(pieces)) if i % processes]
            yield from self._in_order(
                pieces,
                submit=lambda index: executor.submit(_build_inherited_chunk, pieces[index]),
                mine=lambda index: index % processes == 0,
                as_text=as_text,
                window=4 * (processes - 1),
                theirs=theirs,
            )
        finally:
            _BUILDER = None
            executor.shutdown(wait=True, cancel_futures=True)

    def _portable(self, database_url: str, keys=None) -> ChunkBuilder:
        """
        The chunk builder with every fit (of ``keys``, or of every row) as a ``PortableFit``.
        """
        builder = self.chunk_builder
        per_column = []
        made: Dict[int, PortableFit] = {}  # handle index -> its PortableFit, made once
        for fits in builder.per_column:
            if fits is None:
                per_column.append(None)
                continue
            chosen = {}
            for key in fits if keys is None else keys:
                handle = fits.get(key)
                if handle is not None:
                    if handle.index not in made:
                        made[handle.index] = PortableFit.of(handle, database_url)
                    chosen[key] = made[handle.index]
            per_column.append(chosen)
        return ChunkBuilder(builder.columns, per_column, builder.strict, builder.quality)

    def _distributed(self, pieces, executor, as_text: bool, database_url):
        """
        Every chunk built by ``executor`` as a self-contained job: the columns, and the chunk's
        fits as ``PortableFit`` (folder, zip or database id), so no live session or open file
        crosses to the worker.
        """
        def job(index: int) -> ChunkBuilder:
            return self._portable(database_url, pieces[index])

        yield from self._in_order(
            pieces,
            submit=lambda index: executor.submit(
                _run_job, job(index), pieces[index], as_text, os.getpid()
            ),
            mine=lambda index: False,
            as_text=as_text,
            window=64,
            theirs=list(range(len(pieces))),
        )

    def _in_order(self, pieces, submit, mine, as_text: bool, window: int, theirs: List[int]):
        """
        Submit the chunks that are not ``mine`` a window ahead, build mine here, and yield every
        chunk in order, re-issuing the warnings workers caught. A worker that dies (or an
        executor that loses one) fails the build at once, naming the fits it was reading.
        """
        pending = {}
        registries = {}  # filename -> registry of warnings shown (see _registry_of)
        submitted = 0
        try:
            for index, piece in enumerate(pieces):
                while submitted < len(theirs) and theirs[submitted] <= index + window:
                    pending[theirs[submitted]] = submit(theirs[submitted])
                    submitted += 1
                if mine(index):
                    yield self.build(piece, as_text)
                    continue
                try:
                    outcome = pending.pop(index).result()
                except Exception as error:
                    raise WorkerDiedError(
                        _died_message(self, pieces, sorted([index, *pending]), error)
                    ) from error
                if isinstance(outcome, BaseException):
                    raise outcome
                for category, message, filename, lineno in outcome.warnings:
                    registry = registries.get(filename)
                    if registry is None:
                        registry = registries[filename] = _registry_of(filename)
                    warnings.warn_explicit(message, category, filename, lineno, registry=registry)
                outcome.quality._plan = self.quality
                yield outcome
        finally:
            for future in pending.values():
                future.cancel()


def _registry_of(filename: str) -> dict:
    """
    The registry of warnings already shown that a serial build would use for a warning raised
    in ``filename``: that module's own. Re-issued there, a worker's warning is shown as often as
    in a serial build under any filter ("default" shows a repeat from one line once, whichever
    process raised it).
    """
    for module in list(sys.modules.values()):
        try:
            found = getattr(module, "__file__", None) == filename
        except Exception:  # a lazy module that imports on attribute access
            continue
        if found:
            return vars(module).setdefault("__warningregistry__", {})
    return {}


def _died_message(builder: RowBuilder, pieces, indices: List[int], error: BaseException) -> str:
    labels = []
    for index in indices:
        for key in pieces[index]:
            for fits in builder.chunk_builder.per_column:
                handle = fits.get(key) if fits is not None else None
                if handle is not None and handle.label not in labels:
                    labels.append(handle.label)
    shown = ", ".join(labels[:10]) + (f" and {len(labels) - 10} more" if len(labels) > 10 else "")
    if "pickle" in str(error).lower():
        return (
            f"the executor could not send a column to its workers ({type(error).__name__}: "
            f"{error}). Functions given to columns must be defined at module level for a "
            f"process pool or MPI (Dask also sends lambdas)."
        )
    return (
        f"a worker process died or was lost (killed, out of memory, or a crash in native code: "
        f"{type(error).__name__}: {error}) while reading one of these fits: {shown}. No file "
        f"was written; build with processes=1 to see which fit and function it was."
    )


#: What forked workers build from: (the builder, whether cells are wanted as text).
_BUILDER: Optional[tuple] = None


def _can_fork() -> bool:
    if "fork" in multiprocessing.get_all_start_methods():
        return True
    warn("processes > 1 needs the 'fork' start method (Linux, macOS); building in one process")
    return False


def _build_inherited_chunk(keys: List[str]) -> Chunk:
    """
    A forked worker's share: the rows of ``keys``, built by the builder it inherited.
    """
    builder, as_text = _BUILDER
    return _run_job(builder, keys, as_text)


#: Held while a worker catches the warnings of a chunk. Catching swaps the one warnings state
#: of a process; threads of one worker process (a Dask worker with several threads) that
#: swapped it at once restored it in the wrong order, and warnings were lost.
_CATCHING = threading.Lock()


def _run_job(builder: ChunkBuilder, keys: List[str], as_text: bool, caller_pid=None):
    """
    One chunk, in a worker: its rows, with every warning they raised (re-issued by the caller in
    order, with their own category). An error that ``strict`` raises is returned, not raised,
    so that the caller can tell it from a worker that died.

    ``caller_pid`` is the process of the table: a job run there (on a thread pool, or Dask with
    ``processes=False``) lets its warnings be raised as a serial build raises them, since
    catching them would swap the warnings state under the caller's other threads.
    """
    if caller_pid == os.getpid():
        try:
            return builder.build(keys, as_text)
        except Exception as error:
            return error
    with _CATCHING, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            chunk = builder.build(keys, as_text)
        except Exception as error:
            return _sendable(error)
    chunk.warnings = [
        (_portable(w.category), str(w.message), w.filename, w.lineno) for w in caught
    ]
    return chunk


def _sendable(error: Exception) -> Exception:
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")


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


def _progress_bar(total: int):
    """
    A tqdm progress bar on stderr without tqdm's monitor thread: a live thread makes every
    later fork (``processes=N``, parallel discovery) unsafe.
    """
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0

    return Bar(total=total, unit="row", desc="AggregatorCSV")
