"""
Table specs: a TOML file that declares a table (where the fits are, where the table goes, its
columns), so a survey pipeline can rebuild its catalogue from a shell script or a cluster job.

```toml
source = "output"          # folder, SQLite file or database URL; relative to the spec file
output = "result.csv"      # relative to the spec file; the suffix picks the format
folder = "source_lp[1]"    # optional default for every column
path_prefix = "vis"        # optional

[[columns]]
name = "einstein_radius"
model_path = "galaxies.lens.mass.einstein_radius"
error = "errors_at_sigma_3"
```

Each ``[[columns]]`` table has a ``name`` and exactly one source key: ``model_path``,
``latent_func``, ``samples_func``, ``info``, ``json`` or ``image``. Functions are given as
``module:function`` and imported from the spec's folder.
"""
import difflib
import importlib
import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

#: The keys of a spec's top level.
TOP_KEYS = ("source", "output", "folder", "path_prefix", "completed_only", "strict", "columns")

#: Per source key of a column: the other keys it may have.
COLUMN_KEYS = {
    "model_path": ("folder", "error", "use_max_lh_instance"),
    "latent_func": ("folder", "use_max_lh_instance"),
    "samples_func": ("folder",),
    "info": ("folder",),
    "json": ("key",),
    "image": ("folder",),
}

ALL_COLUMN_KEYS = ("name",) + tuple(COLUMN_KEYS) + tuple(
    sorted({key for keys in COLUMN_KEYS.values() for key in keys})
)


class SpecError(ValueError):
    """
    A spec that cannot be built: the message names the file and the key (and the closest valid
    key where there is a typo).
    """


@dataclass
class Spec:
    """
    A parsed, checked spec.

    Attributes
    ----------
    path
        The spec file.
    source
        Where the fits are: a folder, a database file (both absolute), or a database URL.
    output
        Where the table goes (absolute), or None.
    columns
        The ``[[columns]]`` tables, each checked, with the spec's default folder applied.
    """

    path: Path
    source: str
    output: Optional[Path]
    path_prefix: Optional[str] = None
    completed_only: bool = False
    strict: bool = False
    columns: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.path.parent


def read_spec(path) -> Spec:
    """
    Read and check a spec file.

    Parameters
    ----------
    path
        The TOML file.

    Returns
    -------
    Spec
        The spec, with relative paths resolved against the spec's folder.

    Raises
    ------
    SpecError
        The file is missing or not TOML, or a key is unknown, missing or of the wrong type.
    """
    path = Path(path).absolute()
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise SpecError(f"{path}: no such spec file")
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(f"{path}: cannot be read ({error})")
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: not valid TOML ({error})")
    where = str(path)
    _check_keys(data, TOP_KEYS, where, "")
    source = _text(data, "source", where, required=True)
    if "://" not in source:
        source = str((path.parent / source).resolve())
    output = _text(data, "output", where)
    default_folder = _text(data, "folder", where)
    columns = data.get("columns", [])
    if not isinstance(columns, list) or not all(isinstance(c, dict) for c in columns):
        raise SpecError(f"{where}: 'columns' must be [[columns]] tables")
    checked = []
    for number, column in enumerate(columns):
        checked.append(_check_column(column, f"{where}: columns[{number}]", default_folder))
    return Spec(
        path=path,
        source=source,
        output=(path.parent / output).resolve() if output else None,
        path_prefix=_text(data, "path_prefix", where),
        completed_only=_flag(data, "completed_only", where),
        strict=_flag(data, "strict", where),
        columns=checked,
    )


def _check_keys(table: dict, allowed, where: str, prefix: str):
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f"; keys: {', '.join(allowed)}"
            raise SpecError(f"{where}: unknown key {prefix}{key!r}{hint}")


def _text(table: dict, key: str, where: str, required: bool = False) -> Optional[str]:
    if key not in table:
        if required:
            raise SpecError(f"{where}: {key!r} is required")
        return None
    value = table[key]
    if not isinstance(value, str) or not value:
        raise SpecError(f"{where}: {key!r} must be a non-empty string, not {value!r}")
    return value


def _flag(table: dict, key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise SpecError(f"{where}: {key!r} must be true or false, not {value!r}")
    return value


def _check_column(column: dict, where: str, default_folder: Optional[str]) -> Dict[str, Any]:
    _check_keys(column, ALL_COLUMN_KEYS, where, "")
    name = _text(column, "name", where, required=True)
    where = f"{where} ({name!r})"
    sources = [key for key in COLUMN_KEYS if key in column]
    if len(sources) != 1:
        raise SpecError(
            f"{where}: give exactly one of {', '.join(COLUMN_KEYS)} (found "
            f"{', '.join(sources) or 'none'})"
        )
    (source,) = sources
    allowed = ("name", source) + COLUMN_KEYS[source]
    for key in column:
        if key not in allowed:
            raise SpecError(
                f"{where}: key {key!r} does not go with {source!r} (it takes "
                f"{', '.join(COLUMN_KEYS[source]) or 'nothing else'})"
            )
    checked = dict(column)
    for key in (source, "folder", "key"):
        if key in checked:
            _text(checked, key, where)
    if source == "json" and "key" not in checked:
        raise SpecError(f"{where}: a 'json' column needs 'key'")
    if "use_max_lh_instance" in checked:
        _flag(checked, "use_max_lh_instance", where)
    error = checked.get("error")
    if error is not None and not (
        isinstance(error, str) or (isinstance(error, list) and all(isinstance(e, str) for e in error))
    ):
        raise SpecError(f"{where}: 'error' must be a string or a list of strings")
    if "folder" in COLUMN_KEYS[source] and "folder" not in checked and default_folder:
        checked["folder"] = default_folder
    checked["_source"] = source
    checked["_where"] = where
    return checked


#: top-level module name -> the file ``import_function`` loaded it from: a spec's own functions
#: module, which another spec's module of the same name may replace.
_LOADED_FROM_SPECS: Dict[str, Path] = {}


def import_function(reference: str, folder: Path, where: str) -> Callable:
    """
    The function named ``module:function``, imported with ``folder`` first on the path.

    A module of that name that an earlier spec loaded from another folder is loaded again from
    this spec's folder (tables built before keep their functions); one imported otherwise (a
    standard module, the user's own import) is refused rather than used.

    Raises
    ------
    SpecError
        The reference is malformed, the module cannot be imported, is already imported from
        elsewhere, or has no such callable.
    """
    module_name, _, function_name = reference.partition(":")
    if not module_name or not function_name:
        raise SpecError(f"{where}: {reference!r} should be 'module:function'")
    top = module_name.split(".")[0]
    own = _module_file_in(folder, top)
    if own is not None:
        own = own.resolve()
        _forget_other_spec_module(top, own)
    sys.path.insert(0, str(folder))
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise SpecError(
            f"{where}: cannot import module {module_name!r} from {folder} "
            f"({type(error).__name__}: {error})"
        ) from error
    finally:
        try:
            sys.path.remove(str(folder))
        except ValueError:
            pass
    if own is not None:
        loaded = getattr(sys.modules.get(top), "__file__", None)
        if loaded is None or Path(loaded).resolve() != own:
            # Python hands back the module of that name imported before: its function would
            # fill the column.
            raise SpecError(
                f"{where}: module {top!r} is already imported from {loaded or 'elsewhere'}, "
                f"not from {own}; give the spec's module a name of its own (or build this spec "
                f"in a new Python process)"
            )
        _LOADED_FROM_SPECS[top] = own
    function = getattr(module, function_name, None)
    if not callable(function):
        names = [n for n in dir(module) if callable(getattr(module, n)) and not n.startswith("_")]
        close = difflib.get_close_matches(function_name, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SpecError(f"{where}: module {module_name!r} has no function {function_name!r}{hint}")
    return function


def _forget_other_spec_module(top: str, own: Path):
    """
    Drop from ``sys.modules`` module ``top`` (and its submodules) if an earlier spec loaded it
    from a file other than ``own``, so that the import finds this spec's own.
    """
    earlier = _LOADED_FROM_SPECS.get(top)
    if earlier is None or earlier == own:
        return
    for name in list(sys.modules):
        if name == top or name.startswith(top + "."):
            del sys.modules[name]
    del _LOADED_FROM_SPECS[top]


def _module_file_in(folder: Path, module_name: str) -> Optional[Path]:
    """
    The file of module ``module_name`` in ``folder`` (``name.py`` or ``name/__init__.py``), or
    None if the folder holds no such module.
    """
    base = folder.joinpath(*module_name.split("."))
    for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def add_columns(table, spec: Spec):
    """
    Add a spec's columns to a table, in order, as the Python API would.

    Raises
    ------
    SpecError
        A column the table refuses (an unknown model path, info key or folder, a header used
        twice), with the table's own message.
    """
    for column in spec.columns:
        where, source = column["_where"], column["_source"]
        name, folder = column["name"], column.get("folder")
        try:
            if source == "model_path":
                table.add_column(
                    name,
                    model_path=column["model_path"],
                    folder=folder,
                    use_max_lh_instance=column.get("use_max_lh_instance", False),
                    error=column.get("error"),
                )
            elif source == "latent_func":
                table.add_column(
                    name,
                    latent_func=import_function(column["latent_func"], spec.folder, where),
                    folder=folder,
                    use_max_lh_instance=column.get("use_max_lh_instance", False),
                )
            elif source == "samples_func":
                table.add_x3_columns_with_errors(
                    name,
                    samples_func=import_function(column["samples_func"], spec.folder, where),
                    folder=folder,
                )
            elif source == "info":
                table.add_info_column(name, key=column["info"], folder=folder)
            elif source == "json":
                template = column["json"]
                if not os.path.isabs(template):
                    template = str(spec.folder / template)
                table.add_json_column(name, path=template, key=column["key"])
            elif source == "image":
                table.add_image_column(name, file=column["image"], folder=folder)
        except SpecError:
            raise
        except (ValueError, TypeError, KeyError) as error:
            message = error.args[0] if isinstance(error, KeyError) and error.args else error
            raise SpecError(f"{where}: {message}") from error
