"""
Reading ``samples_summary.json`` and ``latent/latent_summary.json`` as plain JSON.

autofit can rebuild a ``SamplesSummary`` from these files, but that also rebuilds the model and
costs far more than the numbers a table needs. Columns that only want numbers read them here; only
columns that want a model instance pay for autofit's objects.
"""
from typing import Dict, Optional, Tuple

#: The sections of a summary that hold one sample: path -> value.
SAMPLE_SECTIONS = ("median_pdf_sample", "max_log_likelihood_sample")

#: The sections of a summary that hold a (lower, upper) pair per path.
INTERVAL_SECTIONS = (
    "values_at_sigma_1",
    "values_at_sigma_3",
    "errors_at_sigma_1",
    "errors_at_sigma_3",
)


class Summary:
    def __init__(self, raw: dict):
        """
        The numbers of one summary file, section by section, keyed by model path.

        Parameters
        ----------
        raw
            The file's JSON, as ``json.load`` gives it (autofit's ``to_dict`` layout).

        Raises
        ------
        ValueError
            If the JSON is not a samples summary.
        """
        arguments = raw.get("arguments") if isinstance(raw, dict) else None
        if not isinstance(arguments, dict):
            raise ValueError("is not an autofit samples summary (no 'arguments' object)")
        self._arguments = arguments
        self._sections: Dict[str, Optional[dict]] = {}

    def section(self, name: str) -> Optional[dict]:
        """
        One section as ``{path: value}`` (sample sections) or ``{path: (lower, upper)}``
        (interval sections); None where the search wrote no such section (a maximum likelihood
        estimator has no median PDF sample).

        Parameters
        ----------
        name
            One of ``SAMPLE_SECTIONS`` or ``INTERVAL_SECTIONS``.

        Raises
        ------
        ValueError
            The section is not shaped as autofit writes it.
        """
        if name not in self._sections:
            try:
                self._sections[name] = self._parse(name)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise ValueError(
                    f"its {name} section is not shaped as autofit writes it "
                    f"({type(error).__name__}: {error})"
                ) from None
        return self._sections[name]

    def _parse(self, name: str) -> Optional[dict]:
        entry = self._arguments.get(name)
        if entry is None:
            return None
        if name in SAMPLE_SECTIONS:
            kwargs = entry["arguments"]["kwargs"]
            values = dict(kwargs.get("arguments", kwargs))
            for path, value in values.items():
                _number(path, value)
            return values
        return {
            path: _pair(path, value) for path, value in entry.get("arguments", entry).items()
        }

    def max_log_likelihood(self) -> Optional[float]:
        """
        The log likelihood of the maximum likelihood sample, or None if there is none (or it is
        not a number).
        """
        entry = self._arguments.get("max_log_likelihood_sample")
        arguments = entry.get("arguments") if isinstance(entry, dict) else None
        value = arguments.get("log_likelihood") if isinstance(arguments, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        return None

    def paths(self) -> set:
        """
        Every path written in any section of the summary.
        """
        found = set()
        for name in SAMPLE_SECTIONS + INTERVAL_SECTIONS:
            found.update(self.section(name) or ())
        return found


def _pair(path: str, value) -> Tuple[float, float]:
    if isinstance(value, dict):
        value = value["values"]
    lower, upper = value
    return _number(path, lower), _number(path, upper)


def _number(path: str, value):
    """
    ``value`` if it is a number or null. Text and the like are refused: written to the table
    they would look like numbers, and autofit would put them into instances as they are.

    Raises
    ------
    ValueError
        ``value`` is not a number.
    """
    if value is None or (type(value) in (float, int)):
        return value
    raise ValueError(f"{path} is {value!r}, not a number")
