"""
The functions behind the demo's function columns, importable by the demo and by its spec
(``demo.toml``: ``latent_func = "demo_functions:einstein_radius_x2_from"``).
"""
import autofit as af


def einstein_radius_x2_from(instance):
    """
    Twice the Einstein radius of an instance.
    """
    return instance.galaxies.lens.mass.einstein_radius * 2.0


def einstein_radius_x2_via_samples_from(samples):
    """
    Twice the Einstein radius with its 3 sigma interval, from 50 draws of the posterior.

    No seed here: autofit_csv seeds numpy's random state from each fit's location while its
    samples function runs, so the table is the same on every run, serial or in workers.
    """
    values = [
        2.0 * samples.draw_randomly_via_pdf().galaxies.lens.mass.einstein_radius
        for _ in range(50)
    ]
    return af.marginalize(parameter_list=values, sigma=3.0)
