"""Typical mistakes in the 08_pytorch exercise set, one per question
(see tests/mistakes/README.md)."""

MISTAKES = [
    # (question, old, new, message)
    # no optimizer.zero_grad(): every step uses the sum of all past gradients
    ("q1_train_and_evaluate", "optimizer.zero_grad()", "pass",
     "did you forget optimizer.zero_grad()"),
    # the model moved, the data left behind on the CPU
    ("q2_to_device",
     "X = torch.as_tensor(X, dtype=torch.float32, device=device)",
     "X = torch.as_tensor(X, dtype=torch.float32)",
     "moving the model does not move the data"),
    # W.T copied into nn.Linear's weight, which is already (out, in)
    ("q3_linear_from_numpy", "layer.weight.copy_(torch.as_tensor(W))",
     "layer.weight.copy_(torch.as_tensor(W.T))", "did you copy W.T?"),
    # decay and 1 - decay swapped: the EMA follows the weights almost exactly
    ("q4_ema_update", "e.copy_(decay * e + (1 - decay) * w)",
     "e.copy_((1 - decay) * e + decay * w)",
     "you swapped decay and 1 − decay"),
    # dropout believed to act in evaluation mode too
    ("q5_train_eval_layers", 'answer_q5 = "b"', 'answer_q5 = "c"',
     "Dropout is the identity in evaluation mode"),
]
