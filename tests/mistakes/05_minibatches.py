"""Typical mistakes in the 05_minibatches exercise set, one per question (see
tests/mistakes/README.md)."""

MISTAKES = [
    # (question, old, new, message)
    # batches drawn with replacement instead of a permutation
    ("q1_minibatch_indices", "order = rng.permutation(N)",
     "order = rng.integers(0, N, size=N)", "sample without replacement"),
    # no finite-population factor when sampling without replacement
    ("q2_minibatch_variance", "return (N - B) / (N - 1) * var / B",
     "return var / B", "finite-population factor (N − B)/(N − 1) is missing"),
    # 1/sqrt(k) taken as convergent: its squares are the harmonic series
    ("q3_robbins_monro", '"1/sqrt(k)": "squares_diverge",',
     '"1/sqrt(k)": "ok",', "Σ 1/k diverges, so Σηₖ² = ∞"),
    # the running mean divided by k instead of k + 1
    ("q4_parameter_averaging", "return avg + (w - avg) / (k + 1)",
     "return avg + (w - avg) / k", "divided by k instead of k + 1"),
    # the small-step approximation of the noise floor, eta sigma^2 / (2 lam)
    ("q5_noise_floor", "return eta * sigma2 / (lam * (2 - eta * lam))",
     "return eta * sigma2 / (2 * lam)", "small-η approximation"),
]
