"""
The example's pictures: autofit calls the analysis's ``Visualizer`` during and after each
search, and it writes a small ``image/subplot_fit.png`` of the data and the best model so far, as
a PyAutoLens pipeline writes its ``subplot_fit.png``.
"""
from pathlib import Path

import autofit as af

#: Pixel size of ``subplot_fit.png``: small, so the committed fixtures stay small.
WIDTH, HEIGHT = 200, 150
DPI = 100


class ToyLensVisualizer(af.Visualizer):
    @staticmethod
    def visualize(analysis, paths, instance, during_analysis: bool):
        """
        Write ``image/subplot_fit.png``: the data with its noise and the model of ``instance``
        (autofit passes the maximum likelihood instance found so far).

        Parameters
        ----------
        analysis
            The ``ToyLensAnalysis`` of the fit (its data, noise and model signal).
        paths
            autofit's paths of the fit; the image goes to ``paths.image_path``.
        instance
            The model instance to draw.
        during_analysis
            Whether the search is still running (the picture is the same either way).
        """
        import numpy as np
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        # A Figure without pyplot: no global state, no display backend to choose.
        figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_axes((0.02, 0.02, 0.96, 0.96))
        x = np.linspace(-1.0, 1.0, analysis.data.size)
        axes.errorbar(
            x,
            analysis.data,
            yerr=analysis.noise,
            fmt=".",
            color="0.3",
            markersize=2,
            elinewidth=0.5,
        )
        axes.plot(x, analysis.model_data(instance), color="tab:red", linewidth=1.2)
        axes.set_xticks([])
        axes.set_yticks([])
        image_path = Path(paths.image_path)
        image_path.mkdir(parents=True, exist_ok=True)
        figure.savefig(image_path / "subplot_fit.png", dpi=DPI)
