"""Typical mistakes in the 02_backprop exercise set, one per question (see
tests/mistakes/README.md)."""

MISTAKES = [
    # (question, old, new, message)
    # dW with the shape of W transposed: x^T dout instead of dout^T x
    ("q1_linear_backward", "dW = dout.T @ x", "dW = x.T @ dout",
     "did you forget a transpose?"),
    # the gradient of a mean loss without its 1/N
    ("q2_softmax_cross_entropy",
     "dlogits = (np.exp(log_p) - onehot) / N",
     "dlogits = np.exp(log_p) - onehot",
     "N times too large"),
    # the ReLU's mask taken from the upstream gradient, not the pre-activation
    ("q3_mlp_loss_and_grads", "dz1 = da1 * (z1 > 0)",
     "dz1 = da1 * (da1 > 0)",
     "ReLU mask taken from the gradient"),
    # "divide by N once more": the 1/N counted twice
    ("q4_why_db_is_a_sum", 'answer_q4 = "b"', 'answer_q4 = "d"',
     "(d) is not right"),
    # a forward difference instead of the central one
    ("q5_grad_check", "(f(theta + e) - f(theta - e)) / (2 * h)",
     "(f(theta + e) - f(theta)) / h", "forward difference"),
]
