"""
Toy light and mass profiles whose model paths read like a PyAutoLens model.

They live in an importable module (not a script) because autofit records each model component's
class path in ``model.json``: building an instance from a finished fit later imports these classes.
"""
from typing import Optional, Tuple

import autofit as af


class IsothermalMass:
    def __init__(
        self,
        centre: Tuple[float, float] = (0.0, 0.0),
        ell_comps: Tuple[float, float] = (0.0, 0.0),
        einstein_radius: float = 1.0,
    ):
        """
        A toy elliptical isothermal mass profile.

        Parameters
        ----------
        centre
            The (y, x) centre of the profile in arc-seconds.
        ell_comps
            The two elliptical components of the profile.
        einstein_radius
            The Einstein radius in arc-seconds.
        """
        self.centre = centre
        self.ell_comps = ell_comps
        self.einstein_radius = einstein_radius


class SersicLight:
    def __init__(
        self,
        centre: Tuple[float, float] = (0.0, 0.0),
        intensity: float = 1.0,
        effective_radius: float = 0.5,
    ):
        """
        A toy light profile.

        Parameters
        ----------
        centre
            The (y, x) centre of the profile in arc-seconds.
        intensity
            The peak intensity.
        effective_radius
            The width of the profile in arc-seconds.
        """
        self.centre = centre
        self.intensity = intensity
        self.effective_radius = effective_radius


class Galaxy:
    def __init__(
        self,
        redshift: float = 0.5,
        mass: Optional[IsothermalMass] = None,
        bulge: Optional[SersicLight] = None,
    ):
        """
        A galaxy at a redshift with an optional mass and an optional light profile.
        """
        self.redshift = redshift
        self.mass = mass
        self.bulge = bulge


def lens_model(lens_light: bool = False) -> af.Collection:
    """
    The model ``galaxies.lens`` (isothermal mass) + ``galaxies.source`` (light), with the source's
    centre linked to the lens mass centre, so two model paths share one prior.

    Parameters
    ----------
    lens_light
        Give the lens galaxy a light profile too (``galaxies.lens.bulge``), so that models differ
        between fits.

    Returns
    -------
    The model as an ``af.Collection``.
    """
    mass = af.Model(IsothermalMass)
    mass.centre.centre_0 = af.GaussianPrior(mean=0.0, sigma=0.1)
    mass.centre.centre_1 = af.GaussianPrior(mean=0.0, sigma=0.1)
    mass.ell_comps.ell_comps_0 = af.GaussianPrior(mean=0.0, sigma=0.2)
    mass.ell_comps.ell_comps_1 = af.GaussianPrior(mean=0.0, sigma=0.2)
    mass.einstein_radius = af.UniformPrior(lower_limit=0.5, upper_limit=2.0)

    source_bulge = af.Model(SersicLight)
    source_bulge.centre = mass.centre
    source_bulge.intensity = af.LogUniformPrior(lower_limit=0.1, upper_limit=10.0)
    source_bulge.effective_radius = af.UniformPrior(lower_limit=0.05, upper_limit=1.0)

    lens_bulge = None
    if lens_light:
        lens_bulge = af.Model(SersicLight)
        lens_bulge.centre = mass.centre
        lens_bulge.intensity = af.LogUniformPrior(lower_limit=0.1, upper_limit=10.0)
        lens_bulge.effective_radius = af.UniformPrior(lower_limit=0.05, upper_limit=1.0)

    return af.Collection(
        galaxies=af.Collection(
            lens=af.Model(Galaxy, redshift=0.5, mass=mass, bulge=lens_bulge),
            source=af.Model(Galaxy, redshift=1.0, mass=None, bulge=source_bulge),
        )
    )
