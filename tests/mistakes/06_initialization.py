"""Typical mistakes in the 06_initialization exercise set, one per question
(see tests/mistakes/README.md)."""

MISTAKES = [
    # (question, old, new, message)
    # Delta = sqrt(3/(N_x + N_y)): the bound for Var(w) = 1/(N_x + N_y)
    ("q1_xavier_bound", "return gain * np.sqrt(6.0 / (fan_in + fan_out))",
     "return gain * np.sqrt(3.0 / (fan_in + fan_out))",
     "bound for Var(w) = 1/(N_x + N_y)"),
    # the forward rule with the layer's own width N_l (fan_out)
    ("q2_variance_after_layers", "factor = widths[l - 1] * var_ws[l - 1]",
     "factor = widths[l] * var_ws[l - 1]", "you used N_l (fan_out"),
    # the covariance of the inputs (centred) instead of the Hessian
    ("q3_hessian_linear_regression", "return X.T @ X / X.shape[0]",
     "return (X - X.mean(axis=0)).T @ (X - X.mean(axis=0)) / X.shape[0]",
     "you centred X"),
    # PCA whitening, D^(-1/2) E^T (x - mu), without ZCA's rotation back
    ("q4_zca_whiten", "W = E @ np.diag(1.0 / np.sqrt(d + eps)) @ E.T",
     "W = np.diag(1.0 / np.sqrt(d + eps)) @ E.T", "that is PCA whitening"),
    # 1 - 1/kappa, the factor for eta = 1/lambda_max, not for the best eta
    ("q5_gd_rate", "return (kappa - 1) / (kappa + 1)",
     "return 1 - 1 / kappa", "the factor for η = 1/λ_max"),
    # minibatch noise taken to break the symmetry of equal weights
    ("q6_symmetry", 'answer_q6 = "b"', 'answer_q6 = "d"',
     "cannot break the symmetry"),
]
