"""
The demo: real autofit fits of a small lens-like example, then one table built from them, in
Python and from a spec, as CSV and as an HTML page.

Three datasets, two searches each (``source_lp[1]``, ``source_pix[2]``), written to
``examples/output``. Fits already finished there are reused, so a second run is quick.

    make demo        (or: .venv/bin/python examples/demo.py)

stdout carries only the CSV; everything else (the fits' log, the build report, the paths
written) goes to stderr.
"""
import contextlib
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

os.environ.setdefault("PYAUTO_SKIP_WORKSPACE_VERSION_CHECK", "1")

import autofit as af  # noqa: E402

import autofit_csv  # noqa: E402,F401  (registers af.AggregatorCSV)
from autofit_csv.example.fits import ToyDataset, pipeline_plans, run_fit  # noqa: E402

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from demo_functions import (  # noqa: E402
    einstein_radius_x2_from,
    einstein_radius_x2_via_samples_from,
)

OUTPUT = HERE / "output"
SPEC = HERE / "demo.toml"

DATASETS = [
    ToyDataset("lens_001", einstein_radius=1.2, seed=11),
    ToyDataset("lens_002", einstein_radius=0.8, seed=12),
    ToyDataset("lens_003", einstein_radius=1.6, seed=13),
]


def is_finished(plan) -> bool:
    folder = OUTPUT / plan.path_prefix / plan.unique_tag / plan.name
    return any((fit / ".completed").exists() for fit in folder.glob("*")) if folder.is_dir() else False


def run_fits():
    for dataset in DATASETS:
        info = {"id_str": dataset.name, "einstein_radius_true": dataset.einstein_radius}
        for plan in pipeline_plans(dataset, "vis", info):
            verb = "reusing the finished fit of" if is_finished(plan) else "fitting"
            print(f"{verb} {dataset.name} {plan.name}", file=sys.stderr)
            run_fit(plan, OUTPUT)


def define_table():
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
    agg.add_image_column("fit", file="subplot_fit.png", folder="source_pix[2]")
    return agg


def build_from_spec() -> Path:
    """
    The same table from ``demo.toml`` through the command line, as a pipeline would build it.
    """
    subprocess.run(
        [sys.executable, "-m", "autofit_csv", "build", str(SPEC)],
        check=True,
        stdout=sys.stderr,
    )
    return OUTPUT / "from_spec" / "result.csv"


def main():
    # autofit's per-fit logging would bury the table.
    logging.disable(logging.INFO)
    warnings.simplefilter("default")
    # The fits' own chatter goes to stderr: stdout carries only the table.
    with contextlib.redirect_stdout(sys.stderr):
        run_fits()
        agg = define_table()
        csv_path = agg.save(OUTPUT / "result.csv")
        print(agg.report, file=sys.stderr)
        html_path = agg.save(OUTPUT / "catalogue.html")
        from_spec = build_from_spec()
    same = from_spec.read_bytes() == csv_path.read_bytes()
    print(csv_path.read_text(), end="")
    print(f"written: {csv_path}", file=sys.stderr)
    print(
        f"the spec {SPEC.name} built {from_spec.relative_to(HERE)}: "
        f"{'byte-identical to' if same else 'DIFFERENT from'} {csv_path.relative_to(HERE)}",
        file=sys.stderr,
    )
    print(f"HTML page to look at the fits: {html_path}", file=sys.stderr)
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
