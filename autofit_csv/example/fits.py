"""
Real autofit searches of the toy lens model, for the demo, the test fixtures and the benchmarks.

Each dataset is a one-dimensional signal simulated from known "true" parameters; the search
(dynesty, few live points) recovers them in a few seconds on one core.
"""
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

os.environ.setdefault("PYAUTO_SKIP_WORKSPACE_VERSION_CHECK", "1")

import autofit as af  # noqa: E402
from autofit import conf  # noqa: E402

from autofit_csv.example.lens_model import lens_model  # noqa: E402
from autofit_csv.example.visualizer import ToyLensVisualizer  # noqa: E402

LATENT_KEY = "galaxies.lens.mass.einstein_mass"


class EinsteinMassLatent(af.Latent):
    """
    One latent variable: the area inside the Einstein radius, pi * R_E^2.
    """

    @staticmethod
    def keys(analysis) -> list:
        return [LATENT_KEY]

    @staticmethod
    def variables(analysis, parameters, model):
        instance = model.instance_from_vector(parameters)
        return (np.pi * instance.galaxies.lens.mass.einstein_radius**2,)


class ToyLensAnalysis(af.Analysis):
    Latent = EinsteinMassLatent
    Visualizer = ToyLensVisualizer

    def __init__(self, data: np.ndarray, noise: float):
        """
        Fits a one-dimensional signal whose shape is set by the lens and source parameters.

        Parameters
        ----------
        data
            The observed signal, sampled on ``x = linspace(-1, 1, data.size)``.
        noise
            The standard deviation of the Gaussian noise of every data point.
        """
        super().__init__()
        self.data = data
        self.noise = noise

    def model_data(self, instance) -> np.ndarray:
        """
        The signal of a model instance, on the data's points.
        """
        return signal_from(instance, self.data.size)

    def log_likelihood_function(self, instance) -> float:
        signal = self.model_data(instance)
        return float(-0.5 * np.sum(((self.data - signal) / self.noise) ** 2))


class InterruptedAnalysis(ToyLensAnalysis):
    """
    An analysis that stops the search part-way, leaving an output folder as a crashed or
    still-running job leaves it: pre-fit files written, no samples summary, no ``.completed``.
    """

    class Interrupt(Exception):
        pass

    calls = 0

    def log_likelihood_function(self, instance) -> float:
        self.calls += 1
        if self.calls > 50:
            raise self.Interrupt("job killed")
        return super().log_likelihood_function(instance)


def signal_from(instance, size: int) -> np.ndarray:
    """
    The toy signal of a model instance: a source-light bump, a V-shaped term whose depth is the
    Einstein radius, a slope and a curvature set by the lens mass ellipticity and an offset set by
    the shared centre. The terms barely overlap, so the posterior is compact and dynesty is quick.
    """
    x = np.linspace(-1.0, 1.0, size)
    mass = instance.galaxies.lens.mass
    bulge = instance.galaxies.source.bulge
    bump = np.exp(-((x - bulge.centre[0]) ** 2) / (2.0 * bulge.effective_radius**2))
    signal = (
        bulge.intensity * bump
        + mass.einstein_radius * np.abs(x)
        + mass.ell_comps[0] * x
        + mass.ell_comps[1] * x**2
        + bulge.centre[1]
    )
    lens_bulge = instance.galaxies.lens.bulge
    if lens_bulge is not None:
        signal = signal + lens_bulge.intensity * np.exp(
            -(x**2) / (2.0 * lens_bulge.effective_radius**2)
        )
    return signal


@dataclass
class ToyDataset:
    """
    The true parameters of one simulated dataset.
    """

    name: str
    einstein_radius: float
    seed: int
    intensity: float = 1.5
    effective_radius: float = 0.3
    centre: tuple = (0.05, -0.03)
    ell_comps: tuple = (0.1, -0.05)
    size: int = 60
    noise: float = 0.1

    def data(self) -> np.ndarray:
        from autofit_csv.example.lens_model import Galaxy, IsothermalMass, SersicLight

        truth = af.ModelInstance()
        truth.galaxies = af.ModelInstance()
        truth.galaxies.lens = Galaxy(
            mass=IsothermalMass(
                centre=self.centre,
                ell_comps=self.ell_comps,
                einstein_radius=self.einstein_radius,
            )
        )
        truth.galaxies.source = Galaxy(
            redshift=1.0,
            bulge=SersicLight(
                centre=self.centre,
                intensity=self.intensity,
                effective_radius=self.effective_radius,
            ),
        )
        rng = np.random.default_rng(self.seed)
        return signal_from(truth, self.size) + rng.normal(0.0, self.noise, self.size)


@dataclass
class FitPlan:
    """
    One search to run: where it writes (path prefix, unique tag, name) and what it fits.
    """

    dataset: ToyDataset
    name: str
    path_prefix: Optional[str] = None
    unique_tag: Optional[str] = None
    nlive: int = 40
    # Caps each search's likelihood calls so a fit takes seconds; the posterior is then rough,
    # which is all the demo and the fixtures need.
    maxcall: int = 20000
    lens_light: bool = False
    info: dict = field(default_factory=dict)
    interrupted: bool = False


def run_fit(plan: FitPlan, output_path) -> Optional[af.Result]:
    """
    Run one real dynesty search and write its output below ``output_path``.

    Parameters
    ----------
    plan
        What to fit and where to write it.
    output_path
        The autofit output root. Finished fits already there are reused by autofit, not rerun.

    Returns
    -------
    autofit's result, or None for a plan that is interrupted on purpose.
    """
    conf.instance.push(
        new_path=Path(__file__).parent / "config", output_path=str(Path(output_path))
    )
    search = af.DynestyStatic(
        name=plan.name,
        path_prefix=plan.path_prefix,
        unique_tag=plan.unique_tag,
        nlive=plan.nlive,
        maxcall=plan.maxcall,
        seed=1,
    )
    analysis_class = InterruptedAnalysis if plan.interrupted else ToyLensAnalysis
    analysis = analysis_class(data=plan.dataset.data(), noise=plan.dataset.noise)
    model = lens_model(lens_light=plan.lens_light)
    try:
        return search.fit(model=model, analysis=analysis, info=plan.info or None)
    except InterruptedAnalysis.Interrupt:
        return None


#: The two searches of the example pipeline and their live points. autofit's identifier ignores
#: the search name, so the second search differs in its settings (as real pipelines do);
#: otherwise a database would see the two as one fit.
SEARCHES = (("source_lp[1]", 40), ("source_pix[2]", 50))


def pipeline_plans(dataset: ToyDataset, path_prefix: str, info: dict) -> list:
    """
    The plans of the example pipeline for one dataset: one fit per search of ``SEARCHES``,
    written to ``path_prefix/<dataset name>/<search name>`` (the dataset name is the
    ``unique_tag``).
    """
    return [
        FitPlan(
            dataset,
            name,
            path_prefix=path_prefix,
            unique_tag=dataset.name,
            nlive=nlive,
            info=info,
        )
        for name, nlive in SEARCHES
    ]
