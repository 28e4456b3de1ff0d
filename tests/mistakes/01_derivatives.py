"""Typical mistakes in the 01_derivatives exercise set, one per question (see
tests/mistakes/README.md)."""

MISTAKES = [
    # (question, old, new, message)
    # the chain rule forgotten in d/dx1 exp(x1 x2)
    ("q1_jacobian_by_hand", "[x2 * e, x1 * e]", "[e, x1 * e]",
     "forget the chain rule"),
    # the forward difference (f(x + h e_j) - f(x)) / h instead of the central
    ("q2_numerical_jacobian", "np.asarray(f(x - e))) / (2 * h)",
     "np.asarray(f(x))) / h", "is the forward difference"),
    # the signs of the diagonal entries read instead of the eigenvalues
    ("q3_classify", "np.linalg.eigvalsh(H)", "np.diag(H)",
     "not the diagonal entries"),
    # log10 on the error axis, ln on the step axis
    ("q4_error_order", "np.log(errors)", "np.log10(errors)",
     "did you take log10 of one axis and ln of the other"),
    # the central difference divided by h instead of 2h
    ("q5_measured_orders", "/ (2 * hs)", "/ hs",
     "by h instead of 2h"),
    # the direction not normalised to a unit vector
    ("q6_directional_derivative", "u / np.linalg.norm(u)", "u",
     "normalise u to a unit vector"),
]
