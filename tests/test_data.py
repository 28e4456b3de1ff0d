"""nntrain.data: the digits split and its standardization; minibatch indices."""
import numpy as np
import pytest

from nntrain.data import digits, minibatches

pytestmark = pytest.mark.ch2

sklearn = pytest.importorskip("sklearn")


@pytest.fixture(scope="module")
def split():
    return digits()


def test_shapes_and_dtypes(split):
    X_train, y_train, X_test, y_test = split
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    assert set(np.unique(y_train)) == set(range(10)) and set(np.unique(y_test)) <= set(range(10))


def test_standardized_with_training_statistics_only(split):
    X_train, _, X_test, _ = split
    raw_train, _, raw_test, _ = digits(standardize=False)
    np.testing.assert_allclose(X_train.mean(axis=0), 0.0, atol=1e-12)
    sd = raw_train.std(axis=0)
    constant = sd == 0
    assert constant.any(), "the digits have pixels that are always 0 on the training set"
    np.testing.assert_allclose(X_train.std(axis=0)[~constant], 1.0, rtol=1e-12)
    assert np.all(np.isfinite(X_test))
    mu = raw_train.mean(axis=0)
    np.testing.assert_allclose(X_test, (raw_test - mu) / np.where(constant, 1.0, sd), rtol=1e-12)
    assert abs(X_test.mean()) > 1e-6  # test statistics were not used


def test_split_is_a_deterministic_partition_of_the_dataset():
    from sklearn.datasets import load_digits

    X, _ = load_digits(return_X_y=True)
    a = digits(n_test=100, seed=3, standardize=False)
    b = digits(n_test=100, seed=3, standardize=False)
    c = digits(n_test=100, seed=4, standardize=False)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[2], c[2])
    both = np.concatenate([a[0], a[2]])
    rows = lambda M: sorted(map(bytes, M.astype(np.int64)))
    assert rows(both) == rows(X)


def test_minibatches_cover_every_index_once():
    rng = np.random.default_rng(0)
    batches = list(minibatches(10, 4, rng))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))
    np.testing.assert_array_equal(np.concatenate(list(minibatches(5, 2, rng, shuffle=False))), np.arange(5))


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="n_test"):
        digits(n_test=0)
    with pytest.raises(ValueError, match="batch_size"):
        list(minibatches(10, 0, np.random.default_rng(0)))
