"""Typical mistakes in the 04_adaptive_methods exercise set, one per question (see
tests/mistakes/README.md)."""

MISTAKES = [
    # (question, old, new, message)
    # the moving-average form's (1 - beta) scaling instead of torch's buffer
    ("q1_momentum_step", "buf = beta * buf + g",
     "buf = beta * buf + (1 - beta) * g", "moving-average form"),
    # epsilon inside the square root (some lecture notes' convention)
    ("q2_rmsprop_step", "np.sqrt(v_new) + eps", "np.sqrt(v_new + eps)",
     "outside the square root"),
    # no bias correction of the first moment
    ("q3_adam_step", "m_hat = m_new / (1 - beta1 ** t)", "m_hat = m_new",
     "did you apply bias correction?"),
    # m-hat's decay taken as the constant beta1 (that gives the raw m_t)
    ("q4_running_averages",
     "return beta1 * (1 - beta1 ** (t - 1)) / (1 - beta1 ** t)",
     "return np.full(T, beta1)", "constant γ = β₁"),
    # eta = eta' / (1 - gamma) instead of eta' (1 - gamma)
    ("q5_momentum_forms", "return lr_avg * (1 - gamma)",
     "return lr_avg / (1 - gamma)", "you divided by (1 − γ)"),
]
