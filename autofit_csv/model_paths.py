"""
Which model paths share a prior, read straight from ``model.json``.

With linked priors (``source.bulge.centre = lens.mass.centre``) one parameter has several paths,
and autofit's summary may write it under a different one in each section. ``model.json`` gives
every prior an ``id``; paths with the same ``id`` are the same parameter. Reading the JSON, not
building the model, keeps this free of user classes that may not be importable.
"""
from collections import defaultdict
from typing import Dict, List


class ModelPaths:
    def __init__(self, raw_model: dict):
        """
        The free parameters of one model and all the paths that lead to each.

        Parameters
        ----------
        raw_model
            ``model.json`` as ``json.load`` gives it.
        """
        self._prior_of: Dict[str, object] = {}
        self._paths_of: Dict[object, List[str]] = defaultdict(list)
        self._walk(raw_model, ())

    def _walk(self, node, path: tuple):
        if isinstance(node, list):
            for index, item in enumerate(node):
                self._walk(item, path + (str(index),))
            return
        if not isinstance(node, dict):
            return
        arguments = node.get("arguments")
        if isinstance(arguments, dict):
            for key, item in arguments.items():
                self._walk(item, path + (key,))
        elif "id" in node:
            dotted = ".".join(path)
            self._prior_of[dotted] = node["id"]
            self._paths_of[node["id"]].append(dotted)

    @property
    def paths(self) -> List[str]:
        """
        Every path to a free parameter, aliases included.
        """
        return list(self._prior_of)

    def aliases(self, path: str) -> List[str]:
        """
        All paths to the prior at ``path`` (``path`` first), or ``[]`` if no free parameter
        has that path.
        """
        if path not in self._prior_of:
            return []
        others = [p for p in self._paths_of[self._prior_of[path]] if p != path]
        return [path] + others
