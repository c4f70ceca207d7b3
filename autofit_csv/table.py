"""
``AggregatorCSV``: one table, one row per dataset, built from many autofit fits.

The table only composes: column classes turn a fit into cells, ``RowIndex`` decides which fit
fills which row, the loaders read files, ``RowBuilder`` builds rows and records what it could not
fill, ``BuildReport`` says so, ``output`` writes the file.
"""
import contextlib
import io
import os
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Union

from autofit_csv.builder import RowBuilder
from autofit_csv.columns import (
    Column,
    ComputedColumn,
    ErrorColumn,
    FuncColumn,
    ImageColumn,
    JsonColumn,
    LabelColumn,
    SamplesFuncColumn,
    ValueColumn,
)
from autofit_csv.errors import UnreadableFileError, warn
from autofit_csv.inventory import Inventory
from autofit_csv.loaders import files_for, fits_from
from autofit_csv.loaders.fit_list import HandleList
from autofit_csv.loaders.database import (
    end_read_transaction,
    warn_of_identifier_collisions,
)
from autofit_csv.loaders.discovery import find_fits
from autofit_csv.output import check_target, replace_atomically, write_csv
from autofit_csv.report import BuildReport
from autofit_csv.rows import RowIndex, RowKey, location_under

#: The header of the first column, which holds the row key.
KEY_HEADER = "row"

class AggregatorCSV:
    def __init__(
        self,
        aggregator=None,
        strict: bool = False,
        rows: Iterable[str] = (),
        processes: int = 1,
        progress: Optional[bool] = None,
        root: Union[None, str, os.PathLike] = None,
        path_prefix: Optional[str] = None,
        executor=None,
    ):
        """
        A table with one row per dataset, built from the fits of an autofit aggregator.

        Parameters
        ----------
        aggregator
            Any autofit aggregator: ``Aggregator.from_directory(...)``,
            ``Aggregator.from_database(...)``, or a queried / sliced one. None for a table of
            ``add_json_column`` columns over ``rows`` only.
        strict
            If False (default), a fit that cannot be read, or a user function that raises for
            it, blanks only that fit's cells; this is recorded in ``report`` and said in one
            counted warning per column and reason. If True, the first such problem raises an
            error naming the fit and the file.
        rows
            Extra row keys, for rows that no fit makes (e.g. datasets kept as plain folders).
        processes
            Forked worker processes that read fits in parallel while saving (output identical
            to 1); each opens its own database session for database fits.
        progress
            A progress bar on stderr while rows are built: None (default) shows one when stderr
            is a terminal, False never, True always.
        root
            For a folder aggregator: the folder it scanned. Fits' locations are then read from
            their folders rather than from one ``search.json`` each (``from_directory`` passes
            it).
        path_prefix
            Keep only fits whose location starts with these whole folders (``"vis"``,
            ``"survey/vis"``). Works on every backend; autofit's database does not store the
            path prefix, so ``agg.search.path_prefix == ...`` queries find nothing there.
        executor
            Any ``concurrent.futures.Executor`` to build rows on: a Dask client's
            ``get_executor()`` (a laptop's ``LocalCluster`` or a SLURM cluster through
            dask-jobqueue), ``mpi4py.futures.MPIPoolExecutor()``, a ``ProcessPoolExecutor``.
            Fits are sent as paths or database ids; the output is the same bytes as a serial
            build; a lost worker is an error. Functions given to columns must be picklable
            (module level) for process pools and MPI; Dask also sends lambdas.
        """
        if processes < 1:
            raise ValueError(f"processes={processes} must be at least 1")
        self._aggregator = aggregator
        self.strict = strict
        self.processes = processes
        self.progress = progress
        self.executor = executor
        self._database_url = _session_url(aggregator)
        self._columns: List[Column] = []
        self._extra_rows = [RowKey(row) for row in rows]
        #: The ``BuildReport`` of the last build (``save``, ``rows``, ``to_dataframe``); None
        #: before the first.
        self.report: Optional[BuildReport] = None
        #: The spec a table made by ``from_spec`` came from.
        self.spec = None
        # vars(), not getattr(): an autofit aggregator answers any attribute with a query.
        self._skipped = list(vars(aggregator).get("skipped", ())) if aggregator is not None else []
        if strict and self._skipped:
            path, reason = self._skipped[0]
            raise UnreadableFileError(path, "", reason)
        fits = HandleList([])
        if aggregator is not None:
            fits = fits_from(aggregator, Path(root) if root else None)
        # add_label_column pairs values with the aggregator's fits, filtered out or not.
        self._fit_count = len(fits)
        if path_prefix:
            fits = fits.where(lambda location: location_under(location, path_prefix))
        self._index = RowIndex(fits)
        end_read_transaction(aggregator)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_directory(
        cls,
        directory: Union[str, os.PathLike],
        completed_only: bool = False,
        strict: bool = False,
        processes: int = 1,
        progress: Optional[bool] = None,
        path_prefix: Optional[str] = None,
        executor=None,
    ) -> "AggregatorCSV":
        """
        A table over every fit below an autofit output folder, zipped fits included.

        Fits are found as autofit's ``Aggregator.from_directory`` finds them (a folder with
        ``files/search.json``), as autofit ``SearchOutput`` objects. Zips are extracted into a
        temporary folder (removed by ``close()`` or when the table is garbage collected), never
        beside themselves, so the output tree is left as it was.

        Parameters
        ----------
        directory
            The output root (the folder autofit writes ``path_prefix/...`` into).
        completed_only
            Leave out fits without a ``.completed`` file. By default they are kept, and their
            cells are blank with a warning until they finish.
        strict, processes, progress, path_prefix, executor
            See ``AggregatorCSV``.

        Raises
        ------
        FileNotFoundError
            If ``directory`` does not exist.
        NotADirectoryError
            If it is a file.
        PermissionError
            If it cannot be read.
        """
        directory = Path(directory)
        aggregator = find_fits(directory, completed_only=completed_only, processes=processes)
        return cls(
            aggregator,
            strict=strict,
            processes=processes,
            progress=progress,
            root=directory,
            path_prefix=path_prefix,
            executor=executor,
        )

    @classmethod
    def from_database(
        cls,
        filename_or_url: Union[str, os.PathLike],
        completed_only: bool = False,
        strict: bool = False,
        progress: Optional[bool] = None,
        path_prefix: Optional[str] = None,
        executor=None,
        timeout: float = 10.0,
        processes: int = 1,
    ) -> "AggregatorCSV":
        """
        A table over the fits of an autofit database: a SQLite file or any SQLAlchemy URL
        (``postgresql://user@host/db``, ``postgresql+psycopg://...``).

        The database is only read, never written: unlike ``Aggregator.from_database``, it is
        not migrated, a relative file name is resolved against the working directory (not
        autofit's output folder), and a file that does not exist is an error rather than a new
        empty database.

        Parameters
        ----------
        filename_or_url
            ``results.sqlite`` (any file path), ``sqlite:///...`` or another SQLAlchemy URL.
            ``postgresql://`` uses psycopg (installed by the ``postgres`` extra) where
            psycopg2 is not installed.
        completed_only
            Leave out fits autofit did not mark complete.
        strict, progress, path_prefix, executor, processes
            See ``AggregatorCSV``; workers (of an executor, or forked) open the database
            themselves.
        timeout
            Seconds to wait for a SQLite file locked by a writer, and for a PostgreSQL server
            to connect (whole seconds, at least 2) and to answer any one statement (the server
            cancels it; a server silent one second longer has its connection closed). The
            wait ends in a ``DatabaseError``.

        Raises
        ------
        FileNotFoundError
            If a database file does not exist.
        DatabaseError
            If the file or URL is not an autofit database (empty, not SQLite, no autofit
            tables, a folder, unreadable), was written by an older autofit and would need
            migrating, or cannot be reached or read in time. The message names the file or
            URL (password masked).
        ValueError
            If ``timeout`` is not a positive number.
        """
        from autofit_csv.loaders.database import open_read_only

        with contextlib.redirect_stdout(io.StringIO()):
            aggregator = open_read_only(
                filename_or_url, timeout=timeout, completed_only=completed_only
            )
        try:
            table = cls(
                aggregator,
                strict=strict,
                progress=progress,
                path_prefix=path_prefix,
                executor=executor,
                processes=processes,
            )
        except BaseException:
            aggregator.session.close()
            aggregator.session.bind.dispose()
            raise
        warn_of_identifier_collisions(table._index.fits)
        return table

    @classmethod
    def from_spec(
        cls,
        path: Union[str, os.PathLike],
        processes: int = 1,
        progress: Optional[bool] = None,
        strict: Optional[bool] = None,
        executor=None,
    ) -> "AggregatorCSV":
        """
        The table a TOML spec declares (see ``autofit_csv.spec``): its source, its columns in
        order, as the Python calls would make them. The spec's ``output`` is kept as
        ``table.spec.output``.

        Parameters
        ----------
        path
            The spec file; the paths inside it are relative to its folder.
        processes, progress, executor
            See ``AggregatorCSV``.
        strict
            Overrides the spec's ``strict``.

        Raises
        ------
        SpecError
            A spec that cannot be built; the message names the key.
        """
        from autofit_csv.spec import SpecError, add_columns, read_spec

        spec = read_spec(path)
        strict = spec.strict if strict is None else strict
        options = dict(
            completed_only=spec.completed_only,
            strict=strict,
            progress=progress,
            path_prefix=spec.path_prefix,
            executor=executor,
        )
        try:
            if "://" not in spec.source and Path(spec.source).is_dir():
                table = cls.from_directory(spec.source, processes=processes, **options)
            else:
                table = cls.from_database(spec.source, processes=processes, **options)
        except (FileNotFoundError, NotADirectoryError) as error:
            raise SpecError(f"{spec.path}: source: {error}") from error
        try:
            add_columns(table, spec)
        except BaseException:
            table.close()  # a database session or unzipped fits, not kept for the garbage collector
            raise
        table.spec = spec
        return table

    @classmethod
    def from_rows(cls, rows: Iterable[str]) -> "AggregatorCSV":
        """
        A table of the given row keys and no fits, for ``add_json_column`` columns over
        results kept beside the datasets (``dataset/lens/{row}/result.json``).

        Parameters
        ----------
        rows
            The row keys, e.g. the dataset folder names.
        """
        return cls(None, rows=rows)

    def close(self):
        """
        Release what the table holds open: a database session, or the temporary folder zipped
        fits were unzipped into. Both are also released when the table is garbage collected.
        """
        session = vars(self._aggregator).get("session") if self._aggregator is not None else None
        if session is not None and callable(getattr(session, "close", None)):
            session.close()
            session.bind.dispose()
        elif callable(getattr(type(self._aggregator), "close", None)):
            self._aggregator.close()

    def __enter__(self) -> "AggregatorCSV":
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ------------------------------------------------------------------ columns

    def _fits_of(self, folder: tuple) -> Iterator:
        """
        ``FitFiles`` of the fits a column with ``folder`` reads, in row order.

        Raises
        ------
        FolderError
            The folder matches no fit.
        """
        fits = self._index.fits_for(folder)
        return (files_for(fits[key]) for key in fits)  # RowFits iterate their keys sorted

    def add(self, column: Column) -> Column:
        """
        Add a column of any kind: ``column.prepare`` looks at its fits, then its headers join the
        table. Every ``add_*`` method comes through here.

        Parameters
        ----------
        column
            A ``Column`` (``ValueColumn``, ``ErrorColumn``, ... or your own subclass).

        Returns
        -------
        Column
            The column, prepared.

        Raises
        ------
        ValueError
            A header is already in the table (``row`` included), or the column's request fits
            none of its fits (``ModelPathError``, ``InfoKeyError``, ``FolderError``). Nothing is
            added.
        TypeError
            ``column`` is not a ``Column``.
        """
        self._add_all([column])
        return column

    def _add_all(self, columns: List[Column]):
        """
        Prepare and add several columns made by one call, all or none.
        """
        for column in columns:
            if not isinstance(column, Column):
                raise TypeError(f"add() takes a Column, not {column!r}")
            column.prepare(self._fits_of(column.folder) if column.uses_fit else iter(()))
        new = [header for column in columns for header in column.headers()]
        taken = set(self.headers)
        clashes = sorted({h for h in new if h in taken or new.count(h) > 1})
        if clashes:
            raise ValueError(
                f"header(s) {', '.join(map(repr, clashes))} already in the table (headers so "
                f"far: {', '.join(self.headers)}); choose another name"
            )
        self._warn_of_mixed_keys(columns)
        self._columns.extend(columns)

    def _warn_of_mixed_keys(self, columns: List[Column]):
        """
        Say when a column without ``folder`` joins columns with one, or the reverse: their rows
        are keyed differently (whole location vs. the part above the folder) and never meet.
        """
        existing = {c.folder for c in self._columns if c.uses_fit}
        for column in columns:
            if not column.uses_fit or not existing:
                continue
            folders = sorted("/".join(f) for f in existing if f)
            if not column.folder and folders:
                warn(
                    f"{column.describe()} has no folder=, but the table's other columns use "
                    f"folder(s) {', '.join(map(repr, folders))}: its rows are keyed by each fit's "
                    f"whole location and will not meet theirs. Give it folder=..."
                )
            elif column.folder and () in existing:
                warn(
                    f"{column.describe()} has folder={column.folder_text!r}, but other columns "
                    f"have none (one row per fit, keyed by the whole location): their rows will "
                    f"not meet. Give every column a folder=."
                )
            existing.add(column.folder)

    def add_column(
        self,
        name: str,
        model_path: Optional[str] = None,
        folder: Optional[str] = None,
        use_max_lh_instance: bool = False,
        error: Union[None, str, Sequence[str]] = None,
        latent_func: Optional[Callable] = None,
    ):
        """
        Add a column of a model parameter, a latent variable, or a function of the instance.

        Parameters
        ----------
        name
            The header.
        model_path
            A model parameter (``galaxies.lens.mass.einstein_radius``; any alias of a linked
            prior) read from ``samples_summary.json``, or a latent variable read from
            ``latent/latent_summary.json``.
        folder
            The end of the fits' location (``source_lp[1]``, ``vis/source_lp[1]``): what stays
            above it is the row key. None: one row per fit.
        use_max_lh_instance
            The maximum likelihood sample instead of the median PDF sample (for ``model_path``
            and for the instance given to ``latent_func``).
        error
            ``values_at_sigma_3``, ``errors_at_sigma_1``, ... or a list of them: two more
            columns each, ``name_lower_3_sigma`` / ``name_upper_3_sigma`` (or
            ``name_lower_error_3_sigma`` / ``name_upper_error_3_sigma``).
        latent_func
            Instead of ``model_path``: ``latent_func(instance)`` for the instance autofit builds
            from the summary; a dict result makes one column per key (``name_key``).

        Raises
        ------
        ModelPathError
            No fit in the folder has ``model_path``; the message lists the closest paths.
        FolderError
            ``folder`` matches no fit; the message lists the folders there are.
        ValueError
            Neither or both of ``model_path`` and ``latent_func``, an unknown or repeated
            ``error``, or a header already in the table.
        TypeError
            ``latent_func`` is not callable.
        """
        if (model_path is None) == (latent_func is None):
            raise ValueError(f"add_column({name!r}): give exactly one of model_path and latent_func")
        if latent_func is not None:
            if error is not None:
                raise ValueError(
                    f"add_column({name!r}): a latent_func has no errors; use "
                    f"add_x3_columns_with_errors with a samples_func for error bars"
                )
            self.add(FuncColumn(name, latent_func, folder, use_max_lh_instance))
            return
        self._add_all(
            [ValueColumn(name, model_path, folder, use_max_lh_instance)]
            + self._error_columns(name, model_path, folder, error)
        )

    @staticmethod
    def _error_columns(name, model_path, folder, error) -> List[Column]:
        if error is None:
            return []
        if isinstance(error, str):
            errors = [error]
        elif isinstance(error, (list, tuple)):
            errors = list(error)
        else:
            raise TypeError(f"error must be a string or a list of strings, not {error!r}")
        repeated = sorted({e for e in errors if errors.count(e) > 1})
        if repeated:
            raise ValueError(f"error lists {', '.join(map(repr, repeated))} more than once")
        return [ErrorColumn(name, model_path, kind, folder) for kind in errors]

    def add_x3_columns_with_errors(
        self, name: str, samples_func: Callable, folder: Optional[str] = None
    ):
        """
        Add three columns, ``name``, ``name_lower`` and ``name_upper``, from
        ``samples_func(samples) -> (median, lower, upper)``.

        Parameters
        ----------
        name
            The stem of the headers.
        samples_func
            Takes autofit's samples object of the fit (from ``samples.csv``).
        folder
            As in ``add_column``.

        Raises
        ------
        TypeError
            ``samples_func`` is not callable.
        ValueError
            A header is already in the table.
        """
        self.add(SamplesFuncColumn(name, samples_func, folder))

    def add_info_column(self, name: str, key: str, folder: Optional[str] = None):
        """
        Add a column from the fit's ``info.json`` (the ``info`` dict passed to ``search.fit``).

        Parameters
        ----------
        name
            The header.
        key
            The key; dots reach into nested dicts (``survey.band``).
        folder
            As in ``add_column``.

        Raises
        ------
        InfoKeyError
            No fit of the folder has ``key``; the message lists the closest keys.
        """
        self.add(JsonColumn(name, key, folder=folder))

    def add_json_column(self, name: str, path: str, key: str):
        """
        Add a column from a JSON file found from the row key, e.g. results a pipeline wrote
        beside its dataset.

        Parameters
        ----------
        name
            The header.
        path
            Relative to the working directory; ``{row}`` is the row key and ``{row.name}`` its
            last part: ``dataset/lens/{row}/result.json``. A row key never leads the path out of
            its fixed leading folder (``dataset/lens``).
        key
            The key; dots reach into nested dicts.
        """
        self.add(JsonColumn(name, key, path=path))

    # ------------------------------------------------------------------ autofit AggregateCSV drop-ins

    def add_variable(self, argument: str, name: Optional[str] = None, value_types=None):
        """
        autofit ``AggregateCSV.add_variable``: the same headers and cells.

        Parameters
        ----------
        argument
            The model or latent path.
        name
            The header stem; default ``argument`` with ``_`` for ``.``.
        value_types
            autofit ``ValueType`` members: ``Median`` (header ``name``), ``MaxLogLikelihood``
            (``name_max_lh``), ``ValuesAt1Sigma`` / ``ValuesAt3Sigma``
            (``name_lower_1_sigma``, ``name_upper_1_sigma``, ...). Default: ``Median``.
        """
        from autofit.aggregator.summary.aggregate_csv.column import ValueType

        value_types = set(value_types or (ValueType.Median,))
        stem = name or argument.replace(".", "_")
        columns: List[Column] = []
        if ValueType.Median in value_types:
            columns.append(ValueColumn(stem, argument))
        if ValueType.MaxLogLikelihood in value_types:
            columns.append(ValueColumn(f"{stem}_max_lh", argument, use_max_lh_instance=True))
        for value_type, kind in (
            (ValueType.ValuesAt1Sigma, "values_at_sigma_1"),
            (ValueType.ValuesAt3Sigma, "values_at_sigma_3"),
        ):
            if value_type in value_types:
                columns.append(ErrorColumn(stem, argument, kind))
        self._add_all(columns)

    def add_computed_column(self, name: str, compute: Callable, folder: Optional[str] = None):
        """
        autofit ``AggregateCSV.add_computed_column``: ``compute(fit)`` for autofit's object of
        each fit; a dict result makes one column per key (``name_key``).

        Parameters
        ----------
        name
            The header, or the stem of a dict result's headers.
        compute
            Takes autofit's fit object (a ``SearchOutput`` or a database ``Fit``).
        folder
            As in ``add_column``.
        """
        self.add(ComputedColumn(name, compute, folder))

    def add_label_column(self, name: str, values: list):
        """
        autofit ``AggregateCSV.add_label_column``: ``values[i]`` for the aggregator's i-th fit.

        Raises
        ------
        ValueError
            If there is not one value per fit.
        """
        if len(values) != self._fit_count:
            raise ValueError(
                f"add_label_column({name!r}): {len(values)} values for the aggregator's "
                f"{self._fit_count} fits"
            )
        self.add(LabelColumn(name, values))

    # ------------------------------------------------------------------ what the fits hold

    @property
    def _inventory(self) -> Inventory:
        if self.__dict__.get("_inventory_cache") is None:
            self._inventory_cache = Inventory(self._index)
        return self._inventory_cache

    def folders(self) -> Dict[str, int]:
        """
        What ``folder=`` can name: search name -> number of fits, e.g.
        ``{"source_lp[1]": 2000, "source_pix[2]": 2000}``.
        """
        return self._inventory.folders()

    def model_paths(self, folder: Optional[str] = None) -> List[str]:
        """
        Every model parameter path of the fits in ``folder`` (all fits for None), linked-prior
        aliases included, sorted: what ``add_column(model_path=...)`` takes.

        Raises
        ------
        FolderError
            ``folder`` matches no fit.
        """
        return self._inventory.model_paths(folder)

    def latent_paths(self, folder: Optional[str] = None) -> List[str]:
        """
        Every latent variable path of the fits in ``folder``, sorted (``add_column`` takes these
        too).
        """
        return self._inventory.latent_paths(folder)

    def info_keys(self, folder: Optional[str] = None) -> List[str]:
        """
        Every key of the ``info.json`` of the fits in ``folder``, nested keys dotted, sorted:
        what ``add_info_column(key=...)`` takes.
        """
        return self._inventory.info_keys(folder)

    def describe(self) -> str:
        """
        Folders, model paths, latent paths and info keys, per folder, and what discovery could
        not read, as text to print.
        """
        text = self._inventory.describe()
        if self._skipped:
            lines = [f"\nskipped ({len(self._skipped)}):"]
            lines.extend(f"  {path}: {reason}" for path, reason in sorted(self._skipped))
            text += "\n".join(lines)
        return text

    # ------------------------------------------------------------------ what the table holds

    @property
    def headers(self) -> List[str]:
        """
        The header row: the row key, then every column's headers.
        """
        return [KEY_HEADER] + [h for column in self._columns for h in column.headers()]

    @property
    def descriptions(self) -> Dict[str, str]:
        """
        header -> what it holds (model path, section, folder; a function's name).
        """
        result = {KEY_HEADER: "row key: the fits' location above the columns' folder"}
        for column in self._columns:
            result.update(column.descriptions())
        return result

    # ------------------------------------------------------------------ building

    def _built_rows(self, as_text: bool = False) -> Iterator[list]:
        """
        Every row, in key order; when the last is out, ``report`` is complete and the counted
        warnings are issued.

        Raises
        ------
        ColumnFunctionError
            After the last row, if a column's function failed for every fit it was called on.
        """
        builder = RowBuilder(self._columns, self._index, self._extra_rows, self.strict)
        self.report = BuildReport(fits_found=len(self._index.fits), headers=self.headers)
        try:
            yield from builder.run(
                self.report,
                processes=self.processes,
                as_text=as_text,
                executor=self.executor,
                database_url=self._database_url,
                progress=self.progress,
                skipped=sorted(self._skipped) + list(self._index.not_kept),
            )
        finally:
            end_read_transaction(self._aggregator)

    def rows(self) -> Iterator[dict]:
        """
        The table one row at a time, as dicts from header to value (None for a blank cell).
        """
        headers = self.headers
        for cells in self._built_rows():
            yield dict(zip(headers, cells))

    def save(self, path: Union[str, os.PathLike], escape_formulas: bool = False) -> Path:
        """
        Write the table, atomically, in the format its suffix names: ``.csv``, ``.parquet``,
        ``.fits``, ``.ecsv`` or ``.html`` (a page to inspect the fits by eye). A failure leaves
        any previous file untouched.

        CSV floats are written with ``repr``, so each reads back equal to the value in the JSON,
        and every cell reads back identical through Python's ``csv`` module and pandas (line
        breaks of any kind are quoted); NUL characters, which no reader keeps, are removed and
        reported. In the other formats numeric columns are float64 with blank cells null or
        masked, and each header's description is kept where the format has a place for it.
        Images of ``add_image_column`` are copied into ``<stem>_files/`` beside the output.

        Parameters
        ----------
        path
            The output file.
        escape_formulas
            CSV only: prefix text cells that a spreadsheet would run as a formula (starting with
            ``=``, ``+``, ``-``, ``@``) with ``'``. Numbers are never touched.

        Returns
        -------
        Path
            The path written.

        Raises
        ------
        ValueError
            An unknown suffix (the message lists the formats), or ``escape_formulas`` for a
            format other than CSV.
        ImportError
            The format needs ``pip install 'autofit-csv[formats]'``.
        IsADirectoryError, NotADirectoryError
            ``path`` is a folder, or something above it is a file.

        All of these are raised before any row is built.
        """
        from autofit_csv.formats import format_of, staged_images, write_table

        path = check_target(path)
        suffix = format_of(path)
        if escape_formulas and suffix != ".csv":
            raise ValueError(f"escape_formulas applies to CSV files, not {suffix}")
        headers, image_headers = self.headers, self.image_headers
        missed = []

        def on_missing(header: str, key: str, reason: str):
            missed.append((header, key, reason))

        rows = self._built_rows(as_text=suffix == ".csv")
        writer = None
        if suffix == ".csv":
            used = {}

            def write(file):
                used["writer"] = write_csv(file, headers, rows, escape_formulas)

            with contextlib.ExitStack() as stack:
                if image_headers:
                    images = stack.enter_context(
                        staged_images(path, headers, image_headers, on_missing)
                    )
                    rows = images.rows(rows)
                replace_atomically(path, write)
            writer = used["writer"]
        else:
            write_table(
                path,
                headers,
                rows,
                self.descriptions,
                image_headers=image_headers,
                on_missing_image=on_missing,
            )
        self._after_save(writer, missed)
        return path

    def _after_save(self, writer, missed: list):
        """
        Add to the report what only writing found: NUL characters removed, images that could
        not be copied.
        """
        if writer is not None and writer.nul_cells:
            problem = (
                f"NUL characters removed from {writer.nul_cells} cell(s) "
                f"(headers: {', '.join(writer.nul_headers)})"
            )
            self.report.problems.append(problem)
            warn(f"{problem}; no CSV reader keeps them.")
        by_header = {}
        for header, key, reason in missed:
            self.report.blank.setdefault(header, {}).setdefault("image could not be copied", []).append(key)
            by_header.setdefault(header, []).append((key, reason))
        for header, entries in by_header.items():
            named = ", ".join(key for key, _ in entries[:5]) + (", ..." if len(entries) > 5 else "")
            warn(
                f"image could not be copied: {len(entries)} row(s) ({named}); blank cells in "
                f"{header!r}. First: {entries[0][1]}. See agg.report."
            )

    @property
    def image_headers(self) -> List[str]:
        """
        Headers of image columns (``add_image_column``), whose files are copied on save.
        """
        return [h for c in self._columns if isinstance(c, ImageColumn) for h in c.headers()]

    def add_image_column(
        self, name: str, file: str = "subplot_fit.png", folder: Optional[str] = None
    ):
        """
        Add a column of one image of each fit, ``image/<file>`` (zipped fits included). Saving
        copies the images into ``<output stem>_files/`` beside the output and writes their
        relative paths; the HTML page shows them as thumbnails.

        Parameters
        ----------
        name
            The header.
        file
            The image's path below the fit's ``image/`` folder.
        folder
            As in ``add_column``.

        Raises
        ------
        ValueError
            ``file`` is absolute or climbs out of ``image/``.
        """
        self.add(ImageColumn(name, file, folder))

    def to_table(self):
        """
        The table as an astropy ``Table``: numeric columns float64, blank cells masked, each
        column's description set.

        Raises
        ------
        ImportError
            If astropy is not installed (``pip install 'autofit-csv[formats]'``).
        """
        from autofit_csv.formats import to_astropy_table

        return to_astropy_table(self.headers, self._built_rows(), self.descriptions)

    def to_dataframe(self):
        """
        The table as a pandas DataFrame (one row per row key, in key order).

        Raises
        ------
        ImportError
            If pandas is not installed.
        """
        try:
            import pandas
        except ImportError as error:
            raise ImportError(
                "AggregatorCSV.to_dataframe needs pandas: pip install pandas "
                "(or pip install 'autofit-csv[test]')"
            ) from error
        return pandas.DataFrame(list(self._built_rows()), columns=self.headers)


def _session_url(aggregator) -> Optional[str]:
    """
    The URL of the database a database aggregator reads, password included (workers of an
    executor open it themselves); None for folder aggregators.
    """
    session = vars(aggregator).get("session") if aggregator is not None else None
    bind = getattr(session, "bind", None)
    url = getattr(bind, "url", None)
    return url.render_as_string(hide_password=False) if url is not None else None
