"""Typical mistakes in the 07_batch_norm exercise set, one per question
(see tests/mistakes/README.md)."""

MISTAKES = [
    # (question, old, new, message)
    # eps outside the square root, as the MIT 6.036-style appendix writes it
    ("q1_batchnorm_forward", "xhat = (x - mu) / np.sqrt(var + eps)",
     "xhat = (x - mu) / (np.sqrt(var) + eps)", "ε outside the square root"),
    # the path through the batch mean dropped: no - sum(dout) term
    ("q2_batchnorm_backward", "(N * dout - dbeta - xhat * dgamma)",
     "(N * dout - xhat * dgamma)", "the path through μ"),
    # the biased batch variance averaged into running_var
    ("q3_running_stats", "x.var(axis=0, ddof=1)", "x.var(axis=0)",
     "you averaged the biased batch variance"),
    # training-mode statistics in evaluation mode
    ("q4_batchnorm_eval",
     "xhat = (x - running_mean) / np.sqrt(running_var + eps)",
     "xhat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)",
     "the batch's own statistics"),
    # layer norm's behaviour taken for batch norm's
    ("q5_batch_of_one", 'answer_q5 = "a"', 'answer_q5 = "b"',
     "that is layer normalization"),
]
