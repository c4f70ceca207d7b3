"""
autofit ``AggregateCSV.add_label_column``: a list of values, one per fit, in aggregator order.
"""
from autofit_csv.columns.base import Column, RowContext


class LabelColumn(Column):
    def __init__(self, name: str, values: list):
        """
        Parameters
        ----------
        name
            The header.
        values
            One value per fit of the aggregator, in its order (``values[i]`` goes with the
            aggregator's ``i``-th fit, wherever its row is sorted).
        """
        super().__init__(name, None)
        self.values = list(values)

    def cells(self, files, row: RowContext) -> list:
        return [self.values[files.handle.index]]

    def source(self) -> str:
        return "label given per fit"
