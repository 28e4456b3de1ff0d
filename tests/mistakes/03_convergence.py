"""Typical mistakes in the 03_convergence exercise set, one per question (see
tests/mistakes/README.md)."""

MISTAKES = [
    # (question, old, new, message)
    # the diagonal entries of a rotated A instead of its eigenvalues
    ("q1_step_sizes", "np.linalg.eigvalsh(np.asarray(A, dtype=float))",
     "np.diag(np.asarray(A, dtype=float))", "diagonal entries of A"),
    # the rate upside down, (kappa + 1)/(kappa - 1) > 1
    ("q2_rate", "(kappa - 1) / (kappa + 1)", "(kappa + 1) / (kappa - 1)",
     "the formula upside down"),
    # exact comparison at the boundary r = 1, which rounding misses
    ("q3_regime", "abs(r - 1) <= 1e-12", "r == 1",
     "compare with the tolerance the prompt"),
    # rounding the number of steps down
    ("q4_steps_to_tolerance", "int(np.ceil(np.log(tol)",
     "int(np.floor(np.log(tol)", "must be rounded up (ceil)"),
    # rho = tol**steps instead of tol**(1/steps)
    ("q5_max_condition_number", "tol ** (1.0 / steps)", "tol ** steps",
     "not tol**steps"),
]
