"""
The speed tricks of autofit_csv, behind one door, each with why it is safe.

A table of a survey makes hundreds of thousands of small, long-lived objects (autofit's
``SearchOutput`` per fit, each fit's ``Sample`` objects). Python's cyclic garbage collector
re-scans every object it tracks at each of its passes; none of these objects is part of a
cycle, so those passes cost time and free nothing.
"""
import contextlib
import gc


@contextlib.contextmanager
def collector_paused():
    """
    Pause the garbage collector while many acyclic objects are made (discovery's fits, a fit's
    samples): each pass would re-scan all those made so far, for nothing.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def objects_frozen():
    """
    Move every object alive now out of the collector's sight while rows are built: the fits and
    columns live as long as the table, and a forked worker then does not copy their pages when
    the collector would touch them.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
