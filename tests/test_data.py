"""nntrain.data: the digits split and its standardization (ch2); minibatches (ch5)."""
import numpy as np
import pytest

from nntrain.data import digits, minibatches

ch2, ch5 = pytest.mark.ch2, pytest.mark.ch5


@pytest.fixture(scope="module")
def split():
    pytest.importorskip("sklearn")
    return digits()


@ch2
def test_shapes_and_dtypes(split):
    X_train, y_train, X_test, y_test = split
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    assert set(np.unique(y_train)) == set(range(10)) and set(np.unique(y_test)) <= set(range(10))


@ch2
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


@ch2
def test_split_is_a_deterministic_partition_of_the_dataset():
    pytest.importorskip("sklearn")
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



@ch2
def test_digits_bad_arguments_raise():
    pytest.importorskip("sklearn")
    with pytest.raises(ValueError, match="n_test"):
        digits(n_test=0)


# ------------------------------------------------------------------ minibatches (chapter 5)
# X = arange(N) (as a column) so that each row names its example.

def data(N=23, K=3, seed=0):
    """X of shape (N, 2) whose column 0 is the example's index; labels y of shape (N,) with unequal classes."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.arange(N), rng.standard_normal(N)])
    p = np.arange(1, K + 1) / np.arange(1, K + 1).sum()
    y = rng.choice(K, size=N, p=p).astype(np.int64)
    return X, y


def ids(batches) -> list[np.ndarray]:
    return [Xb[:, 0].astype(np.int64) for Xb, _ in batches]


def coverage_problems(batches, X, y, batch_size, drop_last=False) -> list[str]:
    """Everything wrong with one epoch: repeated or missing examples, wrong sizes, X and y rows not paired."""
    N = len(X)
    problems = []
    seen = np.concatenate(ids(batches)) if batches else np.zeros(0, dtype=np.int64)
    counts = np.bincount(seen, minlength=N)
    if np.any(counts > 1):
        problems.append(f"examples {np.flatnonzero(counts > 1)[:5].tolist()} appear more than once")
    full = N - N % batch_size if drop_last else N
    if counts.sum() != full or (not drop_last and np.any(counts == 0)):
        problems.append(f"{counts.sum()} examples seen, expected {full}")
    sizes = [len(Xb) for Xb, _ in batches]
    expected = [batch_size] * (N // batch_size) + ([] if drop_last or N % batch_size == 0 else [N % batch_size])
    if sizes != expected:
        problems.append(f"batch sizes {sizes}, expected {expected}")
    for Xb, yb in batches:
        if not np.array_equal(y[Xb[:, 0].astype(np.int64)], yb) or not np.array_equal(X[Xb[:, 0].astype(np.int64)], Xb):
            problems.append("a batch's y rows do not belong to its X rows")
            break
    return problems


def balance_problems(batches, y, batch_size) -> list[str]:
    """Full batches whose class counts are more than 1 away from batch_size * p_c."""
    classes, counts = np.unique(y, return_counts=True)
    share = batch_size * counts / len(y)
    problems = []
    for j, (_, yb) in enumerate(batches):
        if len(yb) == batch_size:
            got = np.array([np.sum(yb == c) for c in classes])
            if np.any(np.abs(got - share) > 1):
                problems.append(f"batch {j}: class counts {got.tolist()}, expected {np.round(share, 2).tolist()} +- 1")
    return problems


@ch5
@pytest.mark.parametrize("N, B, drop_last", [(23, 5, False), (23, 5, True), (20, 5, False), (20, 5, True),
                                             (7, 10, False), (1, 1, False), (23, 23, True)])
@pytest.mark.parametrize("stratify", [False, True])
@pytest.mark.parametrize("shuffle", [True, False])
def test_every_example_once_per_epoch(N, B, drop_last, stratify, shuffle):
    X, y = data(N)
    batches = list(minibatches(X, y, B, np.random.default_rng(1), shuffle=shuffle, drop_last=drop_last,
                               stratify=stratify))
    assert coverage_problems(batches, X, y, B, drop_last) == []
    if not shuffle and not stratify:
        np.testing.assert_array_equal(np.concatenate(ids(batches)), np.arange(len(np.concatenate(ids(batches)))))


@ch5
def test_planted_bug_sampling_with_replacement_is_caught():
    """The coverage check can fail: batches drawn with replacement repeat some examples and miss others."""
    X, y = data(40)
    rng = np.random.default_rng(0)
    with_replacement = [(X[i], y[i]) for i in rng.integers(0, 40, size=(8, 5))]
    problems = coverage_problems(with_replacement, X, y, 5)
    assert any("more than once" in p for p in problems) and any("seen" in p for p in problems)


@ch5
def test_reproducible_with_a_seed_and_reshuffled_every_epoch():
    X, y = data(50)
    for stratify in (False, True):
        a, b = np.random.default_rng(7), np.random.default_rng(7)
        epochs_a = [np.concatenate(ids(minibatches(X, y, 8, a, stratify=stratify))) for _ in range(3)]
        epochs_b = [np.concatenate(ids(minibatches(X, y, 8, b, stratify=stratify))) for _ in range(3)]
        for u, v in zip(epochs_a, epochs_b):
            np.testing.assert_array_equal(u, v)
        assert not np.array_equal(epochs_a[0], epochs_a[1]) and not np.array_equal(epochs_a[1], epochs_a[2])


@ch5
def test_same_draws_as_a_plain_permutation():
    """Without stratification one epoch is rng.permutation(N) cut in order (chapter 4's results depend on it)."""
    X, y = data(30)
    got = np.concatenate(ids(minibatches(X, y, 7, np.random.default_rng(3))))
    np.testing.assert_array_equal(got, np.random.default_rng(3).permutation(30))


@ch5
@pytest.mark.parametrize("N, B, K", [(103, 10, 3), (500, 32, 5), (64, 7, 2), (40, 40, 4), (97, 16, 10)])
def test_stratified_batches_hold_each_class_within_one_of_its_share(N, B, K):
    X, y = data(N, K, seed=N)
    rng = np.random.default_rng(0)
    for _ in range(3):
        for drop_last in (False, True):
            batches = list(minibatches(X, y, B, rng, stratify=True, drop_last=drop_last))
            assert coverage_problems(batches, X, y, B, drop_last) == []
            assert balance_problems(batches, y, B) == []


@ch5
def test_stratify_accepts_any_integer_labels():
    X, _ = data(30)
    y = np.repeat(np.array([-4, 7, 100]), 10)
    batches = list(minibatches(X, y, 6, np.random.default_rng(0), stratify=True))
    assert balance_problems(batches, y, 6) == [] and all(set(yb.tolist()) == {-4, 7, 100} for _, yb in batches)


@ch5
def test_planted_bug_unstratified_batches_fail_the_balance_check():
    """The balance check can fail: plain shuffling of imbalanced data gives unbalanced batches."""
    X, y = data(300, 3, seed=5)
    batches = list(minibatches(X, y, 20, np.random.default_rng(0), stratify=False))
    assert balance_problems(batches, y, 20) != []


def _bad_calls(X, y, rng):
    return {
        "batch_size 0": (lambda: minibatches(X, y, 0, rng), "batch_size"),
        "batch_size 2.5": (lambda: minibatches(X, y, 2.5, rng), "batch_size"),
        "batch_size True": (lambda: minibatches(X, y, True, rng), "batch_size"),
        "batch_size > N with drop_last": (lambda: minibatches(X, y, 11, rng, drop_last=True), "drop_last"),
        "lengths differ": (lambda: minibatches(X, y[:-1], 3, rng), "same number"),
        "no examples": (lambda: minibatches(X[:0], y[:0], 3, rng), "at least one"),
        "seed instead of rng": (lambda: minibatches(X, y, 3, 0), "Generator"),
        "legacy RandomState": (lambda: minibatches(X, y, 3, np.random.RandomState(0)), "Generator"),
        "float labels": (lambda: minibatches(X, y.astype(float), 3, rng, stratify=True), "integer class labels"),
        "one-hot labels": (lambda: minibatches(X, np.eye(3)[y], 3, rng, stratify=True), "integer class labels"),
    }


@ch5
@pytest.mark.parametrize("case", sorted(_bad_calls(np.zeros((10, 2)), np.zeros(10, dtype=np.int64), None)))
def test_bad_input_raises_at_the_call(case):
    X, y = data(10)
    call, match = _bad_calls(X, y % 3, np.random.default_rng(0))[case]
    with pytest.raises(ValueError, match=match):
        call()  # no iteration: the error must come from the call itself


@ch5
def test_batch_size_larger_than_N_without_drop_last_is_one_batch():
    X, y = data(7)
    batches = list(minibatches(X, y, 10, np.random.default_rng(0)))
    assert len(batches) == 1 and len(batches[0][0]) == 7
