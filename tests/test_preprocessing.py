"""nntrain.preprocessing: standardising and whitening against their definitions and scikit-learn."""
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from nntrain.preprocessing import PCAWhitener, Standardizer, ZCAWhitener

pytestmark = pytest.mark.ch6

WHITENERS = [PCAWhitener, ZCAWhitener]
ALL = [Standardizer, PCAWhitener, ZCAWhitener]


def correlated(rng, n=500, d=6):
    """Full-rank correlated data with offsets and mixed scales: shape (n, d)."""
    A = rng.standard_normal((d, d)) * np.logspace(0, 1.5, d)
    return rng.standard_normal((n, d)) @ A + rng.normal(0, 10, size=d)


def cov(Z):
    """The 1/N covariance of the rows of Z (shape (N, D)) -> (D, D)."""
    Zc = Z - Z.mean(axis=0)
    return Zc.T @ Zc / len(Z)


@pytest.mark.parametrize("cls", WHITENERS)
def test_whitened_training_data_has_identity_covariance(cls):
    X = correlated(np.random.default_rng(0))
    wh = cls(eps=0)
    Z = wh.fit_transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(cov(Z), np.eye(6), atol=1e-8)
    np.testing.assert_array_equal(Z, (X - wh.mean_) @ wh.W_.T)
    # the fitted eigendecomposition: C = E diag(eigvals_) E^T with C's 1/N, descending, orthonormal
    E, lam = wh.eigvecs_, wh.eigvals_
    np.testing.assert_allclose(E @ np.diag(lam) @ E.T, np.cov(X.T, bias=True), rtol=1e-10,
                               atol=1e-10 * lam[0])
    np.testing.assert_allclose(E.T @ E, np.eye(6), atol=1e-12)
    assert np.all(np.diff(lam) <= 0)
    top = np.abs(E).argmax(axis=0)
    assert np.all(E[top, np.arange(6)] > 0)  # the sign convention


def test_eigenvector_signs_do_not_depend_on_the_order_of_the_examples():
    rng = np.random.default_rng(1)
    X = correlated(rng)
    a = PCAWhitener().fit(X)
    b = PCAWhitener().fit(X[rng.permutation(len(X))])
    np.testing.assert_allclose(a.eigvecs_, b.eigvecs_, atol=1e-10)
    np.testing.assert_allclose(a.transform(X), b.transform(X), atol=1e-9)


def test_zca_is_symmetric_and_is_pca_rotated_back_by_E():
    X = correlated(np.random.default_rng(2))
    pca, zca = PCAWhitener(eps=0).fit(X), ZCAWhitener(eps=0).fit(X)
    np.testing.assert_array_equal(zca.W_, zca.W_.T)
    C = np.cov(X.T, bias=True)
    np.testing.assert_allclose(zca.W_ @ C @ zca.W_, np.eye(6), atol=1e-10)  # W = C^(-1/2)
    # x_ZCA = E x_PCA for each example, i.e. Z_ZCA = Z_PCA E^T for the rows
    np.testing.assert_allclose(zca.transform(X), pca.transform(X) @ pca.eigvecs_.T, atol=1e-10)
    np.testing.assert_allclose(zca.W_, pca.eigvecs_ @ pca.W_, atol=1e-12)


def test_zca_output_is_the_whitening_closest_to_the_centred_input():
    """Any white output is Q z_PCA for an orthogonal Q; ZCA (Q = E) moves the data least."""
    rng = np.random.default_rng(3)
    X = correlated(rng)
    Xc = X - X.mean(axis=0)
    Zp = PCAWhitener(eps=0).fit_transform(X)
    dist = lambda Z: np.mean(np.sum((Z - Xc) ** 2, axis=1))
    zca = dist(ZCAWhitener(eps=0).fit_transform(X))
    others = [Zp] + [Zp @ np.linalg.qr(rng.standard_normal((6, 6)))[0].T for _ in range(20)]
    for Z in others:
        np.testing.assert_allclose(cov(Z), np.eye(6), atol=1e-8)  # white too
        assert zca < dist(Z)


def test_pca_agrees_with_sklearn_up_to_signs_and_the_n_minus_1_convention():
    X = correlated(np.random.default_rng(4))
    N = len(X)
    ours = PCAWhitener(eps=0).fit(X)
    sk = PCA(whiten=True).fit(X)
    np.testing.assert_allclose(ours.eigvals_ * N / (N - 1), sk.explained_variance_, rtol=1e-10)
    signs = np.sign(np.sum(ours.eigvecs_.T * sk.components_, axis=1))
    np.testing.assert_allclose(ours.eigvecs_.T * signs[:, None], sk.components_, atol=1e-10)
    # sklearn divides by sqrt of the 1/(N-1) variances: its output is ours * sqrt((N-1)/N)
    np.testing.assert_allclose(ours.transform(X) * np.sqrt((N - 1) / N) * signs, sk.transform(X),
                               atol=1e-9)


def test_standardizer_agrees_with_sklearn_standard_scaler():
    X = correlated(np.random.default_rng(5))
    ours, sk = Standardizer(eps=0).fit(X), StandardScaler().fit(X)
    np.testing.assert_allclose(ours.mean_, sk.mean_, rtol=1e-13)
    np.testing.assert_allclose(ours.var_, sk.var_, rtol=1e-12)  # both with 1/N
    np.testing.assert_allclose(ours.transform(X), sk.transform(X), rtol=1e-12, atol=1e-13)
    default = Standardizer().fit(X)
    np.testing.assert_allclose(default.scale_, np.sqrt(X.var(axis=0) + 1e-5), rtol=1e-13)


@pytest.mark.parametrize("eps", [0.0, 1e-5, 3.0])
@pytest.mark.parametrize("cls", ALL)
def test_inverse_transform_round_trips(cls, eps):
    rng = np.random.default_rng(6)
    X, X_test = correlated(rng), correlated(rng, n=7)
    t = cls(eps=eps).fit(X)
    for data in (X, X_test):
        np.testing.assert_allclose(t.inverse_transform(t.transform(data)), data, rtol=1e-10,
                                   atol=1e-10 * np.abs(data).max())
    Z = rng.standard_normal((5, 6))
    np.testing.assert_allclose(t.transform(t.inverse_transform(Z)), Z, atol=1e-10)


def test_eps_shrinks_the_whitened_covariance_to_lambda_over_lambda_plus_eps():
    X = correlated(np.random.default_rng(7))
    eps = 3.0  # comparable to the smallest eigenvalues, so the effect is visible
    pca, zca = PCAWhitener(eps=eps).fit(X), ZCAWhitener(eps=eps).fit(X)
    lam, E = pca.eigvals_, pca.eigvecs_
    shrink = lam / (lam + eps)
    assert shrink.min() < 0.9
    np.testing.assert_allclose(cov(pca.transform(X)), np.diag(shrink), atol=1e-10)
    np.testing.assert_allclose(cov(zca.transform(X)), E @ np.diag(shrink) @ E.T, atol=1e-10)
    st = Standardizer(eps=eps).fit(X)
    var = X.var(axis=0)
    np.testing.assert_allclose(st.transform(X).var(axis=0), var / (var + eps), rtol=1e-10)


def test_digits_with_the_default_eps():
    X = load_digits().data  # (1797, 64), pixels 0..16; some pixels are 0 in every image
    constant = np.flatnonzero(X.std(axis=0) == 0)
    assert constant.size == 3
    for cls in ALL:
        t = cls().fit(X)
        Z = t.transform(X)
        assert np.all(np.isfinite(Z))
        if cls is not PCAWhitener:  # the two that keep the pixel axes map blank pixels to ~0
            assert np.abs(Z[:, constant]).max() < 1e-6
        np.testing.assert_allclose(t.inverse_transform(Z), X, atol=1e-8)
    st = Standardizer().fit(X)
    assert np.all(st.transform(X)[:, constant] == 0)
    pca = PCAWhitener().fit(X)
    lam = pca.eigvals_
    np.testing.assert_allclose(cov(pca.transform(X)), np.diag(lam / (lam + 1e-5)), atol=1e-8)
    with pytest.raises(ValueError, match=r"eigenvalue 61 of 64 .* ~ 0.*pass eps > 0"):
        ZCAWhitener(eps=0).fit(X)
    with pytest.raises(ValueError, match=rf"feature {constant[0]} is constant.*pass eps > 0"):
        Standardizer(eps=0).fit(X)


def test_singular_covariance_with_eps_zero_names_the_eigenvalue():
    X = correlated(np.random.default_rng(8))
    X[:, 2] = X[:, 0] - 2 * X[:, 4]  # rank 5
    with pytest.raises(ValueError, match=r"singular: eigenvalue 5 of 6 .*pass eps > 0"):
        PCAWhitener(eps=0).fit(X)
    assert np.all(np.isfinite(PCAWhitener(eps=1e-8).fit_transform(X)))


@pytest.mark.parametrize("cls", ALL)
def test_misuse_raises_clear_errors(cls):
    rng = np.random.default_rng(9)
    X = rng.standard_normal((20, 64))
    t = cls()
    with pytest.raises(ValueError, match=r"not fitted yet: call fit\(X_train\) first"):
        t.transform(X)
    with pytest.raises(ValueError, match=r"call fit\(X_train\) first"):
        t.inverse_transform(X)
    with pytest.raises(ValueError, match=r"2-D of shape \(N, D\).*got shape \(64,\)"):
        t.fit(X[0])
    with pytest.raises(ValueError, match=r"2-D .*got shape \(2, 20, 64\)"):
        t.fit(np.stack([X, X]))
    with pytest.raises(ValueError, match="at least N=2 examples.*got N=1"):
        t.fit(X[:1])
    for bad in (np.nan, np.inf):
        Xbad = X.copy()
        Xbad[3, 5] = bad
        with pytest.raises(ValueError, match="must be finite.*row 3, column 5"):
            t.fit(Xbad)
    t.fit(X)
    with pytest.raises(ValueError, match="fitted on D=64 features; got 10"):
        t.transform(X[:, :10])
    with pytest.raises(ValueError, match="fitted on D=64 features; got 10"):
        t.inverse_transform(X[:, :10])
    with pytest.raises(ValueError, match="Z must be finite"):
        t.inverse_transform(np.full((2, 64), np.nan))
    for eps in (-1e-3, np.nan, True, "1e-5"):
        with pytest.raises(ValueError, match="eps must be a finite number >= 0"):
            cls(eps=eps)
