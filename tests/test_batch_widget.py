"""nntrain.widgets.batch: chapter 5's widget and its static companion."""
from __future__ import annotations

import numpy as np
import pytest

from nntrain import batch_noise as bn
from nntrain.widgets import batch as bw

pytestmark = pytest.mark.ch5


def test_experiment_shapes_and_noise_law():
    r = bw.batch_experiment(16, 0.03, epochs=2, n_batches=4000)
    assert r["excess"].shape == (2 * 16 + 1, 3)
    assert r["full"].shape == (3,)
    assert not r["diverged"] and np.all(r["excess"] > -1e-12)
    X, y, w_hat, _ = bw.problem()
    assert np.allclose(bn.per_example_grads(X, y, w_hat).mean(axis=0), 0, atol=1e-10)
    # the noise histogram's spread matches the variance law (band: the sample variance's
    # relative standard error is about sqrt(2 / 4000) = 0.022 for near-normal noise)
    assert abs(r["noise"].var() / r["noise_sd"] ** 2 - 1) < 0.1
    assert abs(r["noise"].mean()) < 4 * r["noise_sd"] / np.sqrt(4000)


def test_large_rate_is_reported_as_diverged():
    assert bw.batch_experiment(1, 1.0, epochs=1)["diverged"]


def test_widget_draws_an_image():
    pytest.importorskip("ipywidgets")
    import matplotlib
    matplotlib.use("Agg")
    box = bw.batch_widget()
    assert box.image.value[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_companion_has_every_frame_with_alt_text():
    import matplotlib
    matplotlib.use("Agg")
    c = bw.batch_companion()
    assert c.data.count("data:image/png;base64") == 12 + 1  # 12 frames + the one shown first
    assert c.data.count('type="range"') == 2
    assert "gradient noise at the minimum" in c.data
    assert c.nbytes < 1_000_000
