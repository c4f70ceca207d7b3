"""
A small, fast, lens-shaped example used by the demo, the test fixtures and the benchmarks.

The model's paths read like a strong-lens model (``galaxies.lens.mass.einstein_radius``) but the
likelihood is a one-dimensional toy, so a real autofit search of it finishes in seconds.
"""
