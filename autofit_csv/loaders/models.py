"""
autofit models built once per distinct ``model.json``, shared by every fit of that model.

Building autofit's model from ``model.json`` costs milliseconds (it imports the model's classes
and looks up prior configuration for every parameter); a survey fits one model to thousands of
datasets. Fits of one model written by one process differ only in their prior ids (autofit numbers
priors with a process-wide counter), so the cache key renumbers ids by rank: two files that
differ only so share one model, with the same parameter order and the same links.

autofit's prior configuration lookup prints a blank line for every parameter of a class it has
no configuration for (the user's own classes, read outside their workspace): tens of thousands
of lines for a survey. Models are built with that output held back; the user's own functions
run outside, so their prints are never swallowed.
"""
import contextlib
import copy
import io
import json
from collections import OrderedDict
from typing import List, Tuple

#: Distinct models kept per process (least recently used dropped first): memory stays flat
#: even where every fit has its own model.
MODELS_KEPT = 64


class SharedModel:
    def __init__(self, model):
        """
        An autofit model and, per free parameter in autofit's order, every path that leads to it.

        Parameters
        ----------
        model
            autofit's model.
        """
        self.model = model
        #: Per prior, in the order of ``model.all_paths``: its dotted paths (aliases first to
        #: last as autofit lists them).
        self.aliases: List[Tuple[str, ...]] = [
            tuple(".".join(path) for path in paths) for paths in model.all_paths
        ]
        # Frozen, as a search freezes its model: autofit then caches what every instance needs
        # (the priors in vector order), which makes each instance about 6x cheaper. The model
        # is shared and never changed, so nothing else notices.
        model.freeze()

    def vector(self, values: dict) -> list:
        """
        The values of a summary sample (``{dotted path: value}``) in the model's parameter
        order, each found under any of its paths, as autofit's ``Sample`` does.

        Raises
        ------
        KeyError
            A parameter is under none of its paths.
        """
        vector = []
        for paths in self.aliases:
            for path in paths:
                if path in values:
                    vector.append(values[path])
                    break
            else:
                raise KeyError(f"the sample has none of {', '.join(paths)}")
        return vector


def _renumbered(node, ids: dict):
    if isinstance(node, dict):
        return {
            key: ids[value] if key == "id" and value in ids else _renumbered(value, ids)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_renumbered(item, ids) for item in node]
    return node


def _prior_ids(node, found: set):
    if isinstance(node, dict):
        if "id" in node and not isinstance(node.get("arguments"), dict):
            found.add(node["id"])
        for value in node.values():
            _prior_ids(value, found)
    elif isinstance(node, list):
        for item in node:
            _prior_ids(item, found)


def shape_key(raw: dict) -> str:
    """
    ``model.json`` with prior ids renumbered by rank: equal for models that differ only in the
    ids autofit happened to give their priors.
    """
    found = set()
    _prior_ids(raw, found)
    try:
        ids = {old: rank for rank, old in enumerate(sorted(found))}
    except TypeError:  # ids of mixed types: leave them as they are
        ids = {}
    return json.dumps(_renumbered(raw, ids), sort_keys=True)


class ModelCache:
    def __init__(self, size: int = MODELS_KEPT):
        """
        Per process: ``model.json`` content -> ``SharedModel``.
        """
        self._by_bytes: "OrderedDict[bytes, SharedModel]" = OrderedDict()
        self._by_shape: "OrderedDict[str, SharedModel]" = OrderedDict()
        self._size = size

    def model_for(self, content: bytes, parse) -> SharedModel:
        """
        The shared model of a ``model.json``.

        Parameters
        ----------
        content
            The file's bytes (the quick key).
        parse
            Gives the file parsed; called only when the bytes were not seen before.

        Raises
        ------
        Exception
            Whatever autofit raises building the model.
        """
        shared = self._by_bytes.get(content)
        if shared is None:
            raw = parse()
            key = shape_key(raw)
            shared = self._by_shape.get(key)
            if shared is None:
                shared = self._by_shape[key] = SharedModel(build_model(raw))
                _trim(self._by_shape, self._size)
            self._by_bytes[content] = shared
            _trim(self._by_bytes, self._size)
        else:
            self._by_bytes.move_to_end(content)
        return shared


def build_model(raw: dict):
    """
    autofit's model for a ``model.json`` document, its configuration lookups' prints held back.
    ``from_dict`` consumes what it is given, so it gets a copy.
    """
    from autofit.mapper.prior_model.abstract import AbstractPriorModel

    with contextlib.redirect_stdout(io.StringIO()):
        return AbstractPriorModel.from_dict(copy.deepcopy(raw))


def _trim(cache: OrderedDict, size: int):
    while len(cache) > size:
        cache.popitem(last=False)


#: This process's models.
MODELS = ModelCache()
