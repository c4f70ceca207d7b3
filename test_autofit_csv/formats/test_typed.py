import numpy as np
import pytest

from autofit_csv.formats.typed import NUMBER, TEXT, typed_columns


def _kinds(headers, rows, **kwargs):
    return {c.header: c.kind for c in typed_columns(headers, rows, **kwargs)}


def test_numbers_of_every_type_make_a_float64_column():
    columns = typed_columns(
        ["row", "x"],
        [["a", 0.1], ["b", np.float64(0.2)], ["c", np.float32(0.5)], ["d", 3], ["e", np.int64(7)]],
    )
    assert columns[1].kind == NUMBER
    assert columns[1].values.dtype == np.float64
    # float() of each cell: what the CSV writes as repr(float(x)).
    assert columns[1].values.tolist() == [0.1, 0.2, float(np.float32(0.5)), 3.0, 7.0]
    assert not columns[1].mask.any()


def test_bools_are_text_as_the_csv_writes_them():
    (_, flag) = typed_columns(["row", "flag"], [["a", True], ["b", False], ["c", np.bool_(True)]])
    assert flag.kind == TEXT
    assert flag.values == ["True", "False", "True"]


def test_one_text_cell_makes_the_column_text_with_the_csv_text_of_numbers():
    (_, mixed) = typed_columns(["row", "m"], [["a", 0.1], ["b", "n/a"], ["c", np.float64(1e-300)]])
    assert mixed.kind == TEXT
    assert mixed.values == ["0.1", "n/a", "1e-300"]


def test_blank_cells_are_masked_none_and_empty_text_alike():
    (_, x, t) = typed_columns(
        ["row", "x", "t"], [["a", None, ""], ["b", 2.5, "q"], ["c", "", None]]
    )
    assert x.kind == NUMBER and x.mask.tolist() == [True, False, True]
    assert x.values[1] == 2.5
    assert t.kind == TEXT and t.mask.tolist() == [True, False, True]


def test_a_column_of_blanks_is_numeric_and_all_masked():
    (_, empty) = typed_columns(["row", "empty"], [["a", None], ["b", None]])
    assert empty.kind == NUMBER and empty.mask.all()


def test_the_row_key_and_image_columns_are_text_even_when_they_look_numeric():
    kinds = _kinds(["row", "img", "x"], [["1", "2", 3.0], ["4", None, 5.0]], text_headers=["img"])
    assert kinds == {"row": TEXT, "img": TEXT, "x": NUMBER}
    kinds = _kinds(["row", "x"], [[1, 2.0]])
    assert kinds["row"] == TEXT


def test_declared_kinds_win_and_are_checked():
    assert _kinds(["row", "x"], [["a", 1.0]], kinds={"x": "text"})["x"] == TEXT
    with pytest.raises(ValueError, match="'x' is declared numeric but row 1 holds 'oops'"):
        typed_columns(["row", "x"], [["a", 1.0], ["b", "oops"]], kinds={"x": "number"})
    with pytest.raises(ValueError, match="kind 'float'"):
        typed_columns(["row", "x"], [["a", 1.0]], kinds={"x": "float"})


def test_a_row_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match="has 1 cells for 2 headers"):
        typed_columns(["row", "x"], [["a", 1.0], ["b"]])


def test_no_rows():
    columns = typed_columns(["row", "x"], [])
    assert [c.kind for c in columns] == [TEXT, NUMBER]
    assert all(len(c.mask) == 0 for c in columns)
