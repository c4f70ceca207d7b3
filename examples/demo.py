"""
The demo: real autofit fits of a small lens-like example, then one CSV built from them.

Three datasets, two searches each (``source_lp[1]``, ``source_pix[2]``), written to
``examples/output``. Fits already finished there are reused, so a second run is quick.

    make demo        (or: .venv/bin/python examples/demo.py)
"""
import contextlib
import logging
import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("PYAUTO_SKIP_WORKSPACE_VERSION_CHECK", "1")

import autofit as af  # noqa: E402

import autofit_csv  # noqa: E402,F401  (registers af.AggregatorCSV)
from autofit_csv.example.fits import ToyDataset, pipeline_plans, run_fit  # noqa: E402

HERE = Path(__file__).parent
OUTPUT = HERE / "output"

DATASETS = [
    ToyDataset("lens_001", einstein_radius=1.2, seed=11),
    ToyDataset("lens_002", einstein_radius=0.8, seed=12),
    ToyDataset("lens_003", einstein_radius=1.6, seed=13),
]


def run_fits():
    for dataset in DATASETS:
        info = {"id_str": dataset.name, "einstein_radius_true": dataset.einstein_radius}
        for plan in pipeline_plans(dataset, "vis", info):
            print(f"fitting {dataset.name} {plan.name}", file=sys.stderr)
            run_fit(plan, OUTPUT)


def einstein_radius_x2_from(instance):
    return instance.galaxies.lens.mass.einstein_radius * 2.0


def einstein_radius_x2_via_samples_from(samples):
    values = [
        2.0 * samples.draw_randomly_via_pdf().galaxies.lens.mass.einstein_radius
        for _ in range(50)
    ]
    return af.marginalize(parameter_list=values, sigma=3.0)


def build_table() -> str:
    agg = af.AggregatorCSV.from_directory(directory=OUTPUT)
    agg.add_info_column("einstein_radius_true", key="einstein_radius_true", folder="source_lp[1]")
    agg.add_column(
        "einstein_radius_max_lh",
        model_path="galaxies.lens.mass.einstein_radius",
        folder="source_lp[1]",
        use_max_lh_instance=True,
    )
    agg.add_column(
        "einstein_radius",
        model_path="galaxies.lens.mass.einstein_radius",
        folder="source_pix[2]",
        error="values_at_sigma_3",
    )
    agg.add_column(
        "einstein_mass", model_path="galaxies.lens.mass.einstein_mass", folder="source_pix[2]"
    )
    agg.add_column(
        "einstein_radius_x2_max_lh",
        latent_func=einstein_radius_x2_from,
        folder="source_pix[2]",
        use_max_lh_instance=True,
    )
    agg.add_x3_columns_with_errors(
        "einstein_radius_x2",
        samples_func=einstein_radius_x2_via_samples_from,
        folder="source_pix[2]",
    )
    path = agg.save(OUTPUT / "result.csv")
    return path.read_text()


def main():
    # autofit's per-fit logging would bury the table.
    logging.disable(logging.INFO)
    warnings.simplefilter("default")
    # The fits' own chatter goes to stderr: stdout carries only the table.
    with contextlib.redirect_stdout(sys.stderr):
        run_fits()
    print(build_table(), end="")
    print(f"(written to {OUTPUT / 'result.csv'})", file=sys.stderr)


if __name__ == "__main__":
    main()
