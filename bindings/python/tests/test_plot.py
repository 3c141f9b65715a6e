"""sparsevar.plot draws readable figures (read back from PNG: size, a colour bar with its
gradient and units, scale bar, ground truth, sign of the difference map, forecast axes, panels
named by source file); run and condition names survive a saved model."""

import numpy as np
import pytest

import sparsevar
from test_model import PARAMS, blob_run

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib.image import imread  # noqa: E402

from sparsevar import plot  # noqa: E402

NAMES = ["/data/mouse1/run_a.tif", "/data/mouse1/run_b.tif", "/data/mouse2/run_c.tif",
         "/data/mouse2/run_d.tif"]


@pytest.fixture(scope="module")
def named():
    rng = np.random.default_rng(11)
    runs = [blob_run(rng, c) for c in (0.5, 0.5, -0.5, -0.5)]
    dataset = sparsevar.FrameDataset.from_runs(runs, labels=["F", "F", "N", "N"])
    for run, name in enumerate(NAMES):
        dataset.set_run_name(run, name)
    model = sparsevar.SparseVARAutoencoder(**PARAMS).fit(dataset, progress=False)
    yield model
    model.close()
    dataset.close()


def _png(figure, path):
    dpi = figure.dpi  # the dpi the axes' window extents are in
    figure.savefig(path, dpi=dpi)
    image = imread(path)
    width, height = figure.get_size_inches() * dpi
    assert image.shape[:2] == (round(height), round(width))
    return image


def _colorbar_gradient(figure, image):
    """Distinct colours down the middle of the colour bar's axes in the PNG."""
    colorbar_axes = [ax for ax in figure.axes if ax.get_label() == "<colorbar>"]
    assert len(colorbar_axes) == 1, "no colour bar"
    box = colorbar_axes[0].get_window_extent()
    column = int((box.x0 + box.x1) / 2)
    rows = slice(int(image.shape[0] - box.y1) + 2, int(image.shape[0] - box.y0) - 2)
    colours = {tuple(np.round(pixel[:3], 2)) for pixel in image[rows, column]}
    return colorbar_axes[0], len(colours)


def _texts(figure):
    return [t.get_text() for t in figure.findobj(matplotlib.text.Text)]


def test_contribution_map_png_has_colour_bar_units_and_scale_bar(named, tmp_path):
    figure = plot.contribution_map(named, run=2, pixel_size=2.5)
    image = _png(figure, tmp_path / "run.png")
    colorbar, colours = _colorbar_gradient(figure, image)
    assert colours > 20 and colorbar.get_ylabel() == plot.MAP_UNITS
    texts = _texts(figure)
    assert "run_c.tif (N)" in texts
    # 16 px of 2.5 µm: a quarter of the width is 10 µm, a bar of 4 pixels.
    assert _scale_bar(figure) == ("10 µm", pytest.approx(4.0))
    assert _scale_bar(plot.contribution_map(named, label="F")) == ("2 px", pytest.approx(2.0))
    assert _scale_bar(plot.contribution_map(named, label="F", pixel_size=0.3)) == ("1 µm", pytest.approx(1 / 0.3))
    assert _scale_bar(plot.difference_map(named, "F", "N", pixel_size=40)) == ("100 µm", pytest.approx(2.5))
    runs = plot.run_maps(named, pixel_size=2.5)
    assert all(_scale_bar(runs, ax) == ("10 µm", pytest.approx(4.0)) for ax in runs.axes if ax.images
               and ax.get_label() != "<colorbar>")
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(sparsevar.InvalidArgumentError):
            plot.contribution_map(named, label="F", pixel_size=bad)


def _scale_bar(figure, ax=None):
    """(label, length in map pixels) of the scale bar drawn on `ax` (the figure's first axes)."""
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    ax = figure.axes[0] if ax is None else ax
    bars = [a for a in ax.artists if isinstance(a, AnchoredSizeBar)]
    assert len(bars) == 1, "no scale bar"
    rectangle = bars[0].size_bar.get_children()[0]
    return bars[0].txt_label.get_text(), rectangle.get_width()


def test_difference_map_states_its_sign_and_draws_ground_truth(named, tmp_path):
    truth = np.zeros((16, 16))
    truth[2:7, 2:7] = 1
    figure = plot.difference_map(named, "F", "N", ground_truth=truth)
    image = _png(figure, tmp_path / "difference.png")
    colorbar, colours = _colorbar_gradient(figure, image)
    assert colours > 20 and colorbar.get_ylabel().startswith("F − N")
    texts = _texts(figure)
    assert any("red = larger in F, blue = larger in N" in t for t in texts)
    assert "ground truth" in texts
    low, high = figure.axes[0].images[0].get_clim()
    assert low == -high  # centred: white means no difference
    with pytest.raises(sparsevar.ShapeError):
        plot.difference_map(named, "F", "N", ground_truth=np.zeros((8, 8)))


def test_forecast_has_axes_ticks_units_and_the_models_forecasts(named, tmp_path):
    figure = plot.forecast(named, run=1, latents=[0, 2], frame_rate=20.0)
    _png(figure, tmp_path / "forecast.png")
    ax = figure.axes[0]
    assert ax.get_xlabel() == "time (s)" and ax.get_ylabel() == "latent value (a.u.)"
    assert len(ax.get_xticks()) > 2 and len(ax.get_yticks()) > 2
    lines = ax.get_lines()
    assert len(lines) == 4
    z = named.latents_[1]
    np.testing.assert_allclose(lines[0].get_ydata(), z[:, 0])
    p, a, mean = named.n_lags_, named.coef_[1], named.latent_mean_[1]
    t = p + 3
    expected = mean + sum(a[k - 1] @ (z[t - k] - mean) for k in range(1, p + 1))
    np.testing.assert_allclose(lines[1].get_ydata()[3], expected[0], rtol=1e-9, atol=1e-12)
    assert lines[1].get_xdata()[3] == pytest.approx(t / 20.0)


def test_run_panels_are_named_by_source_file(named, tmp_path):
    figure = plot.run_maps(named, columns=3)
    _png(figure, tmp_path / "runs.png")
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert titles == ["run_a.tif (F)", "run_b.tif (F)", "run_c.tif (N)", "run_d.tif (N)"]


def test_names_round_trip_through_a_saved_model(named, tmp_path):
    path = tmp_path / "named.svnet"
    named.save(path)
    with sparsevar.SparseVARAutoencoder.load(path) as loaded:
        assert loaded.labels_ == ["F", "F", "N", "N"]
        assert loaded.run_names_ == NAMES
        # The tests' settings (permutations=0 here) are not part of the file: compare what is.
        loaded_test, named_test = loaded.swap_test("F", "N"), named.swap_test("F", "N")
        assert loaded_test.statistic == named_test.statistic
        assert loaded_test.ranksum_pvalue == named_test.ranksum_pvalue
        np.testing.assert_array_equal(loaded_test.matrix, named_test.matrix)
        np.testing.assert_array_equal(loaded.contribution_map(difference=("N", "F")),
                                      named.contribution_map(difference=("N", "F")))
