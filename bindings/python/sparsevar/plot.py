"""Figures of a fitted SparseVARAutoencoder for notebooks (matplotlib, an optional extra imported
only when a function here is called: ``pip install "sparsevar[plot]"``).

Every function draws into ``ax`` (a matplotlib Axes) when given, else into a new
``matplotlib.figure.Figure`` (no pyplot state is touched), and returns the figure:

    >>> from sparsevar import plot
    >>> plot.contribution_map(model, label="F", pixel_size=2.4).savefig("F.png")
    >>> plot.difference_map(model, "F", "N", ground_truth=mask)
    >>> plot.forecast(model, run=0, latents=[0, 3], frame_rate=30.0)
    >>> plot.run_maps(model)

Maps are at the model's frame size (after crop and downscale) in normalised image units (the
dataset's pixels scaled to [0, 1] by its global minimum and maximum); ``pixel_size`` is the
size of one such pixel (the raw pixel size times the downscale factor) in ``unit``, for a scale
bar in micrometres instead of pixels.
"""

from __future__ import annotations

import os

import numpy as np

from ._util import argument_error, shape_error

__all__ = ["contribution_map", "difference_map", "forecast", "run_maps"]

MAP_UNITS = "contribution (normalised intensity)"


def _matplotlib():
    try:
        from matplotlib.figure import Figure
        from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
    except ImportError as error:
        raise ImportError("sparsevar.plot needs matplotlib: pip install matplotlib (or pip "
                          "install 'sparsevar[plot]')") from error
    return Figure, AnchoredSizeBar


def _axes(ax, size=(5.0, 4.2)):
    Figure, _ = _matplotlib()
    if ax is not None:
        return ax.figure, ax
    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


def _scale_bar(ax, width, pixel_size, unit):
    """A scale bar, bottom left, as the report draws it: the largest 1, 2 or 5 times a power of
    ten (whole pixels without a pixel size) not above a quarter of the map's width."""
    _, AnchoredSizeBar = _matplotlib()
    per_pixel = 1.0 if pixel_size is None else float(pixel_size)
    if not (np.isfinite(per_pixel) and per_pixel > 0):
        raise argument_error(f"pixel_size must be a finite size > 0, got {pixel_size!r}")
    target = max(width // 4, 1) if pixel_size is None else width * per_pixel / 4
    exponent = np.floor(np.log10(target))
    if pixel_size is None:
        exponent = max(exponent, 0.0)
    length = max(m * 10 ** exponent for m in (1, 2, 5) if m * 10 ** exponent <= target * (1 + 1e-9))
    label = f"{length:g} {'px' if pixel_size is None else unit}"
    bar = AnchoredSizeBar(ax.transData, length / per_pixel, label, "lower left", pad=0.4,
                          color="black", frameon=True, size_vertical=max(width / 80, 0.5))
    bar.patch.set_alpha(0.7)
    ax.add_artist(bar)


def _draw_map(ax, image, title, colorbar_label, cmap, limits, pixel_size, unit, ground_truth):
    image = np.asarray(image)
    height, width = image.shape
    shown = ax.imshow(image, cmap=cmap, vmin=limits[0], vmax=limits[1], interpolation="nearest")
    colorbar = ax.figure.colorbar(shown, ax=ax, shrink=0.9)
    colorbar.set_label(colorbar_label)
    if ground_truth is not None:
        truth = np.asarray(ground_truth, dtype=float)
        if truth.shape != image.shape:
            raise shape_error(f"ground_truth has shape {truth.shape}, the map {image.shape} (the "
                              f"model's frame size after crop and downscale)")
        if truth.max() > truth.min():
            ax.contour(truth > 0.5 * (truth.max() + truth.min()), levels=[0.5], colors="lime",
                       linewidths=1.2)
            ax.plot([], [], color="lime", label="ground truth")
            ax.legend(loc="upper right", fontsize="small", framealpha=0.7)
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax, width, pixel_size, unit)
    ax.set_title(title, fontsize="medium")
    return colorbar


def _condition(model, label):
    return str(model._names.name_of(model._label(label)) if isinstance(label, str) else label)


def contribution_map(model, run=None, label=None, ax=None, pixel_size=None, unit="µm",
                     ground_truth=None, gain=1.0):
    """The contribution map of one analysed run (``run=i``, titled by its source file) or the
    mean over a condition's runs (``label=``), with a colour bar in normalised intensity, a scale
    bar, and the ``ground_truth`` region (a (height, width) mask) as a contour when given."""
    if (run is None) == (label is None):
        raise argument_error("give exactly one of run= and label=")
    image = model.contribution_map(run=run, label=label, gain=gain)
    figure, ax = _axes(ax)
    title = _run_title(model, run) if run is not None else f"condition {_condition(model, label)}"
    _draw_map(ax, image, title, MAP_UNITS, "magma", (min(image.min(), 0), image.max()),
              pixel_size, unit, ground_truth)
    return figure


def difference_map(model, a, b, ax=None, pixel_size=None, unit="µm", ground_truth=None,
                   gain=1.0):
    """Map of condition `a` minus map of condition `b` on a diverging scale centred on 0: red
    where the contribution is larger in `a`, blue where it is larger in `b` (the title says
    so); colour bar, scale bar and ground-truth contour as contribution_map."""
    image = model.contribution_map(difference=(a, b), gain=gain)
    figure, ax = _axes(ax)
    name_a, name_b = _condition(model, a), _condition(model, b)
    bound = float(np.max(np.abs(image))) or 1.0
    _draw_map(ax, image, f"{name_a} − {name_b}: red = larger in {name_a}, blue = larger in "
              f"{name_b}", f"{name_a} − {name_b}, {MAP_UNITS}", "RdBu_r", (-bound, bound),
              pixel_size, unit, ground_truth)
    return figure


def _run_title(model, run):
    names = getattr(model, "run_names_", None) or []
    name = names[run] if run < len(names) and names[run] is not None else f"run {run}"
    label = model.labels_[run]
    return os.path.basename(name) + ("" if label is None else f" ({label})")


def run_maps(model, columns=4, pixel_size=None, unit="µm", gain=1.0, figure=None):
    """Every analysed run's contribution map, one panel per run named by its source file (and
    condition), on one colour scale shared by all panels, each with its scale bar."""
    Figure, _ = _matplotlib()
    maps = [model.contribution_map(run=i, gain=gain) for i in range(model.n_runs_)]
    columns = max(1, min(int(columns), len(maps)))
    rows = -(-len(maps) // columns)
    if figure is None:
        figure = Figure(figsize=(3.2 * columns, 2.9 * rows), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    low = min(0.0, min(float(m.min()) for m in maps))
    high = max(float(m.max()) for m in maps)
    for i, ax in enumerate(axes):
        if i >= len(maps):
            ax.set_axis_off()
            continue
        shown = ax.imshow(maps[i], cmap="magma", vmin=low, vmax=high, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(_run_title(model, i), fontsize="small")
        _scale_bar(ax, maps[i].shape[1], pixel_size, unit)
    figure.colorbar(shown, ax=list(axes[:len(maps)]), shrink=0.8).set_label(MAP_UNITS)
    return figure


def forecast(model, run=0, latents=None, ax=None, frame_rate=None):
    """Run `run`'s latents z_t (solid) and its VAR's one-step forecasts zhat_t (dashed, from
    t = p + 1) against time in frames, or in seconds given ``frame_rate`` (Hz); ``latents``
    chooses the latent indices (default: the 3 of largest variance). Latents are in the
    encoder's units (arbitrary units, a.u.)."""
    z = np.asarray(model.latents_[run])
    coef, mean, p = model.coef_[run], model.latent_mean_[run], model.n_lags_
    centred = z - mean
    predicted = np.tile(mean, (len(z) - p, 1))
    for k in range(1, p + 1):
        predicted += centred[p - k:len(z) - k] @ coef[k - 1].T
    if latents is None:
        latents = np.argsort(z.var(axis=0))[::-1][:3]
    latents = [int(j) for j in np.atleast_1d(latents)]
    if any(not 0 <= j < z.shape[1] for j in latents):
        raise argument_error(f"latents must lie in 0..{z.shape[1] - 1}, got {latents}")
    figure, ax = _axes(ax, size=(7.0, 3.6))
    scale = 1.0 if frame_rate is None else 1.0 / float(frame_rate)
    time = np.arange(len(z)) * scale
    for j in latents:
        line, = ax.plot(time, z[:, j], lw=1.2, label=f"z[{j}]")
        ax.plot(time[p:], predicted[:, j], lw=1.2, ls="--", color=line.get_color(),
                label=f"forecast of z[{j}]")
    ax.set_xlabel("time (frames)" if frame_rate is None else "time (s)")
    ax.set_ylabel("latent value (a.u.)")
    ax.set_title(f"{_run_title(model, run)}: one-step VAR({p}) forecasts", fontsize="medium")
    ax.legend(fontsize="small", ncol=2)
    ax.grid(alpha=0.3)
    return figure
