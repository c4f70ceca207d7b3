"""
The user's own table (shared/reference/result.csv), rebuilt from the user's own input folder.
"""
import csv

from autofit_csv import AggregatorCSV
from test_autofit_csv.conftest import REFERENCE, read_csv

DATASET = REFERENCE / "dataset" / "lens"


def test_rebuild_users_result_csv(tmp_path):
    with open(REFERENCE / "result.csv", newline="") as file:
        reader = csv.reader(file)
        headers = next(reader)[1:]  # the first, unnamed column is pandas' index
        expected = [row[1:] for row in reader]

    agg = AggregatorCSV.from_rows(sorted(p.name for p in DATASET.iterdir()))
    agg.add_json_column("id_str", path=str(DATASET / "{row}" / "info.json"), key="id_str")
    for header in headers[1:]:
        agg.add_json_column(header, path=str(DATASET / "{row}" / "result.json"), key=header)
    path = agg.save(tmp_path / "result.csv")

    rows = read_csv(path)
    assert list(rows[0])[1:] == headers
    assert len(rows) == len(expected) == 2
    for row, want in zip(rows, expected):
        got = [row[h] for h in headers]
        assert got[0] == want[0]
        assert [float(x) for x in got[1:]] == [float(x) for x in want[1:]]
