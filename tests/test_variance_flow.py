"""nntrain.variance_flow: per-layer variances forward and backward, and the ASU chain product."""
import numpy as np
import pytest

from nntrain.calculus import gradient
from nntrain.variance_flow import chain_product, signal_flow, weight_variance

pytestmark = pytest.mark.ch6


def log_slope(v):
    """Least-squares slope of log(v[l]) against l over the layers 1..L."""
    return np.polyfit(np.arange(1, len(v)), np.log(v[1:]), 1)[0]


def test_weight_variance_modes():
    assert weight_variance(100, 400) == 1 / 100
    assert weight_variance(100, 400, mode="fan_out") == 1 / 400
    assert weight_variance(100, 400, mode="fan_avg") == 2 / 500
    assert np.isclose(weight_variance(64, 64, gain=np.sqrt(2)), 2 / 64)


@pytest.mark.parametrize("mode, forward, backward", [("fan_in", 1.0, 4.0), ("fan_out", 0.25, 1.0),
                                                     ("fan_avg", 0.4, 1.6)])
def test_one_rectangular_layer_matches_nx_and_ny_var_w(mode, forward, backward):
    r = signal_flow([100, 400], "linear", np.random.default_rng(0), mode=mode, n=4000)
    assert np.isclose(r["predicted_forward"][1], forward)
    assert np.isclose(r["predicted_backward"][0], backward)
    # one draw of W (40 000 entries) and 4000 samples: a few per cent at most
    assert abs(r["forward"][1] / forward - 1) < 0.05
    assert abs(r["backward"][0] / backward - 1) < 0.05
    assert r["forward"][0] == pytest.approx(1, abs=0.05) and r["backward"][1] == pytest.approx(1, abs=0.05)


@pytest.mark.parametrize("activation, gain, factor", [("linear", 1.0, 1.0), ("linear", 1.1, 1.21),
                                                       ("relu", np.sqrt(2), 1.0), ("relu", 1.0, 0.5)])
def test_deep_network_factor_per_layer(activation, gain, factor):
    """Width 200, 30 layers: the log-variance per layer moves by log(factor) to within 0.03.

    The finite width adds a relative fluctuation of order sqrt(2 / 200) = 0.1 per
    layer, which the least-squares slope over 30 layers averages down to about
    0.1 / sqrt(30) * sqrt(12) / 30 ~ 0.01 (the slope's standard error)."""
    r = signal_flow([200] * 31, activation, np.random.default_rng(1), gain=gain)
    assert abs(log_slope(r["forward"]) - np.log(factor)) < 0.03
    back = r["backward"][::-1]                    # backprop runs from layer L to 0
    assert abs(np.polyfit(np.arange(len(back)), np.log(back), 1)[0] - np.log(factor)) < 0.03
    # the first layer sees the raw input (no activation before it): gain^2, then factor per layer
    assert np.isclose(r["predicted_forward"][-1], gain**2 * factor ** 29)
    assert np.isclose(r["predicted_backward"][0], factor ** 30)


def test_the_check_rejects_a_network_built_with_the_wrong_fan():
    """A planted mistake: fan_out where fan_in belongs, on widths alternating 100/400."""
    widths = [100, 400] * 5 + [100]
    right = signal_flow(widths, "linear", np.random.default_rng(2), mode="fan_in")
    wrong = signal_flow(widths, "linear", np.random.default_rng(2), mode="fan_out")
    assert np.all(np.abs(np.log(right["forward"])) < 0.3)
    assert np.abs(np.log(wrong["forward"])).max() > 1.0


def test_tanh_saturates_and_samples_are_returned():
    r = signal_flow([100] * 11, "tanh", np.random.default_rng(3), gain=3.0, keep=500)
    assert r["activation_samples"].shape == (11, 500) and r["backward_samples"].shape == (11, 500)
    last = np.abs(r["activation_samples"][-1])
    assert np.mean(last > 0.9) > 0.5                 # most units pinned near +-1
    assert np.all(last <= 1)


def test_chain_product_against_central_differences():
    ws = np.array([0.5, -1.5, 2.0, 0.8, 1.1])
    y, g = chain_product(1.7, ws)
    assert np.isclose(y, 1.7 * np.prod(ws))
    numeric = gradient(lambda w: chain_product(1.7, w)[0], ws)
    np.testing.assert_allclose(g, numeric, rtol=1e-8)
    _, g0 = chain_product(2.0, [0.5, 3.0, 0.0, 2.0])     # a zero weight: no division
    np.testing.assert_array_equal(g0, [0.0, 0.0, 6.0, 0.0])


def test_errors_name_what_was_expected():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="at least two positive sizes"):
        signal_flow([10], "linear", rng)
    with pytest.raises(ValueError, match="activation must be one of"):
        signal_flow([10, 10], "sigmoid", rng)
    with pytest.raises(ValueError, match="np.random.Generator"):
        signal_flow([10, 10], "linear", 0)
    with pytest.raises(ValueError, match="mode must be one of"):
        weight_variance(10, 10, mode="fan")
    with pytest.raises(ValueError, match="gain must be a positive"):
        weight_variance(10, 10, gain=0.0)
    with pytest.raises(ValueError, match="1-D array"):
        chain_product(1.0, [])
