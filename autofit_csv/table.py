"""
``AggregatorCSV``: one table, one row per dataset, built from many autofit fits.

The table only composes: column classes turn a fit into cells, ``RowIndex`` decides which fit
fills which row, the loaders read files, ``output`` writes the CSV.
"""
import contextlib
import io
import os
from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Optional, Sequence, Union

from autofit_csv.columns import (
    Column,
    ComputedColumn,
    ErrorColumn,
    FuncColumn,
    JsonColumn,
    LabelColumn,
    LatentColumn,
    SamplesFuncColumn,
    ValueColumn,
)
from autofit_csv.builder import RowBuilder
from autofit_csv.loaders import files_for, handles_from
from autofit_csv.loaders.database import (
    database_url,
    end_read_transaction,
    warn_of_identifier_collisions,
)
from autofit_csv.loaders.discovery import find_fits
from autofit_csv.output import write_csv_atomically
from autofit_csv.path_lookup import LATENT, kind_of_path
from autofit_csv.rows import RowIndex, RowKey, folder_parts, location_under

#: The header of the first CSV column, which holds the row key.
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
            If False (default) a user function that raises blanks that cell with a warning;
            if True the error stops the table.
        rows
            Extra row keys, for rows that no fit makes (e.g. datasets kept as plain folders).
        processes
            Worker processes that read fits in parallel while saving (output identical to 1).
            Folder output only: database fits are read in this process.
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
        """
        if processes < 1:
            raise ValueError(f"processes={processes} must be at least 1")
        self._aggregator = aggregator
        self.strict = strict
        self.processes = processes
        self.progress = progress
        self._columns: List[Column] = []
        self._extra_rows = [RowKey(row) for row in rows]
        handles = []
        if aggregator is not None:
            handles = handles_from(aggregator, Path(root) if root else None)
        # add_label_column pairs values with the aggregator's fits, filtered out or not.
        self._fit_count = len(handles)
        if path_prefix:
            handles = [h for h in handles if location_under(h.location, path_prefix)]
        self._index = RowIndex(handles)
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
        strict, processes, progress, path_prefix
            See ``AggregatorCSV``.

        Raises
        ------
        FileNotFoundError
            If ``directory`` does not exist.
        """
        directory = Path(directory)
        if not directory.is_dir():
            raise FileNotFoundError(f"No output folder at {directory.resolve()}")
        aggregator = find_fits(directory, completed_only=completed_only, processes=processes)
        return cls(
            aggregator,
            strict=strict,
            processes=processes,
            progress=progress,
            root=directory,
            path_prefix=path_prefix,
        )

    @classmethod
    def from_database(
        cls,
        filename_or_url: Union[str, os.PathLike],
        completed_only: bool = False,
        strict: bool = False,
        progress: Optional[bool] = None,
        path_prefix: Optional[str] = None,
    ) -> "AggregatorCSV":
        """
        A table over the fits of an autofit database: a SQLite file or any SQLAlchemy URL
        (``postgresql://user@host/db``, ``postgresql+psycopg://...``).

        Unlike ``Aggregator.from_database``, a relative file name is resolved against the working
        directory (not autofit's output folder), and a file that does not exist is an error
        rather than a new empty database.

        Parameters
        ----------
        filename_or_url
            ``results.sqlite`` (any file path), ``sqlite:///...`` or another SQLAlchemy URL.
        completed_only
            Leave out fits autofit did not mark complete.
        strict, progress, path_prefix
            See ``AggregatorCSV``.

        Raises
        ------
        FileNotFoundError
            If a database file does not exist.
        """
        from autofit.database.aggregator.aggregator import Aggregator

        url = database_url(filename_or_url)
        with contextlib.redirect_stdout(io.StringIO()):
            aggregator = Aggregator.from_database(url, completed_only=completed_only)
        table = cls(aggregator, strict=strict, progress=progress, path_prefix=path_prefix)
        warn_of_identifier_collisions(table._index.handles)
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
        """
        fits = self._index.fits_for(folder)
        for key in sorted(fits):
            yield files_for(fits[key])

    def _add(self, column: Column) -> Column:
        if column.uses_fit:
            self._index.fits_for(column.folder)  # a folder that matches nothing fails here
        self._columns.append(column)
        return column

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
            Neither or both of ``model_path`` and ``latent_func``, or an unknown ``error``.
        """
        if (model_path is None) == (latent_func is None):
            raise ValueError(f"add_column({name!r}): give exactly one of model_path and latent_func")
        if latent_func is not None:
            if error is not None:
                raise ValueError(
                    f"add_column({name!r}): a latent_func has no errors; use "
                    f"add_x3_columns_with_errors with a samples_func for error bars"
                )
            column = FuncColumn(name, latent_func, folder, use_max_lh_instance)
            self._add(column)
            column.prepare(self._fits_of(column.folder))
            return
        errors = [error] if isinstance(error, str) else list(error or [])
        self._add_path_columns(name, model_path, folder, use_max_lh_instance, errors)

    def _add_path_columns(
        self,
        name: str,
        model_path: str,
        folder: Optional[str],
        use_max_lh_instance: bool,
        errors: List[str],
        value: bool = True,
    ):
        """
        A value column (if ``value``) and an error column per ``errors`` entry, reading the
        samples summary or, for a latent path, the latent summary.
        """
        parts = folder_parts(folder)
        latent = kind_of_path(model_path, self._fits_of(parts), "/".join(parts)) == LATENT
        # Every column is made (and so checked) before any is added: a bad call adds nothing.
        columns = [ErrorColumn(name, model_path, kind, folder, latent=latent) for kind in errors]
        if value:
            value_class = LatentColumn if latent else ValueColumn
            columns.insert(0, value_class(name, model_path, folder, use_max_lh_instance))
        for column in columns:
            self._add(column)

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
        """
        self._add(SamplesFuncColumn(name, samples_func, folder))

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
        """
        self._add(JsonColumn(name, key, folder=folder))

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
            last part: ``dataset/lens/{row}/result.json``.
        key
            The key; dots reach into nested dicts.
        """
        self._add(JsonColumn(name, key, path=path))

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
        errors = [
            kind
            for value_type, kind in (
                (ValueType.ValuesAt1Sigma, "values_at_sigma_1"),
                (ValueType.ValuesAt3Sigma, "values_at_sigma_3"),
            )
            if value_type in value_types
        ]
        if ValueType.Median in value_types:
            self.add_column(stem, model_path=argument)
        if ValueType.MaxLogLikelihood in value_types:
            self.add_column(f"{stem}_max_lh", model_path=argument, use_max_lh_instance=True)
        if errors:
            self._add_path_columns(stem, argument, None, False, errors, value=False)

    def add_computed_column(self, name: str, compute: Callable):
        """
        autofit ``AggregateCSV.add_computed_column``: ``compute(fit)`` for each fit object.
        """
        self._add(ComputedColumn(name, compute))

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
        self._add(LabelColumn(name, values))

    # ------------------------------------------------------------------ output

    @property
    def headers(self) -> List[str]:
        """
        The CSV header row: the row key, then every column's headers.
        """
        return [KEY_HEADER] + [h for column in self._columns for h in column.headers()]

    def _row_lists(self, as_text: bool = False) -> Iterator[list]:
        builder = RowBuilder(self._columns, self._index, self._extra_rows, self.strict)
        try:
            yield from builder.rows(
                processes=self.processes, progress=self.progress, as_text=as_text
            )
        finally:
            end_read_transaction(self._aggregator)

    def rows(self) -> Iterator[dict]:
        """
        The table one row at a time, as dicts from header to value (None for a blank cell).
        """
        headers = self.headers
        for cells in self._row_lists():
            yield dict(zip(headers, cells))

    def save(self, path: Union[str, os.PathLike]) -> Path:
        """
        Write the table as CSV, atomically: a failure leaves any previous file untouched.

        Floats are written with ``repr``, so each reads back equal to the value in the JSON.

        Parameters
        ----------
        path
            The CSV file.

        Returns
        -------
        The path written.
        """
        return write_csv_atomically(path, self.headers, self._row_lists(as_text=True))

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
        return pandas.DataFrame(list(self._row_lists()), columns=self.headers)


