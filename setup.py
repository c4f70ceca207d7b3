from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def requirements(name: str) -> list:
    lines = (HERE / name).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


setup(
    name="autofit-csv",
    version="0.1.0",
    description="One CSV (or DataFrame) from a folder or database full of PyAutoFit results.",
    long_description=(HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    python_requires=">=3.12",
    packages=find_packages(include=["autofit_csv", "autofit_csv.*"]),
    package_data={"autofit_csv.example": ["config/*/*.yaml"]},
    install_requires=requirements("requirements.txt"),
    extras_require={
        "test": ["pytest", "pandas", "selenium", "dask[distributed]"],
        "postgres": ["psycopg[binary]"],
        "dask": ["dask[distributed]"],
        "mpi": ["mpi4py"],
        "formats": ["astropy", "pyarrow"],
        "docs": ["sphinx", "furo", "myst-parser"],
    },
    entry_points={"console_scripts": ["autofit-csv = autofit_csv.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3.12",
        "Topic :: Scientific/Engineering :: Astronomy",
    ],
)
