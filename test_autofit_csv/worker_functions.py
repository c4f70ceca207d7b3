"""
Column functions for executor tests, at module level so that any worker (a spawned process, an
MPI rank, a Dask worker) can import them by name.
"""
import warnings


class WorkerWarning(UserWarning):
    pass


def doubled(instance):
    return 2.0 * instance.galaxies.lens.mass.einstein_radius


def doubled_with_a_warning(instance):
    warnings.warn("said in a worker", WorkerWarning)
    return doubled(instance)
