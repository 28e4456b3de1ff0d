"""nntrain: the numerical code behind *Training Neural Networks - an executable course*.

Modules follow the book. The numerical ones import with numpy alone; plotting,
widgets and the static companions are separate.

Chapter 1, derivatives
    calculus   numerical derivatives, gradient checks, critical points
    stopping   gradient descent with the three stopping rules
Chapter 2, backpropagation
    core       Parameter and Module, shared by layers and optimizers
    functional forward/backward pairs with explicit caches
    layers     Linear, activations, Sequential (torch's shapes and names)
    losses     mean squared error, softmax cross-entropy via log-sum-exp
    data       the bundled scikit-learn digits, standardized
    scalar_autograd  Value: backprop from scratch on scalars (micrograd-style)
    graph_drawing    computational graphs with values and gradients on the edges
Chapter 3, convergence analysis
    quadratic  quadratic problems 1/2 w^T A w - b^T w + c
    functions  Rosenbrock and other non-quadratic test problems
    descent    gradient descent, Newton and optimizer runners returning trajectories
    rates      closed-form rates, regimes and step-size bounds
    clipping   gradient clipping (as torch.nn.utils.clip_grad_norm_)
    linear_models  perceptron and logistic regression
Chapter 4, adaptive methods
    optim      SGD, momentum forms, Rprop, QuickProp, Adagrad, RMSprop, Adadelta, Adam, AdamW
    schedules  learning-rate schedules matching torch.optim.lr_scheduler
    momentum_theory  momentum and Nesterov as 2 x 2 iterations: rates, regimes, bounds
Chapter 5, minibatches
    data       minibatches(X, y, ...): one shuffled (optionally stratified) epoch
    synthetic  linear regression with known weights, two moons, spirals
    train      fit(): the training loop and its History
    averaging  AveragedModel: Polyak averaging and the EMA of the weights
    batch_noise  the variance of minibatch gradients; SGD on least squares
Chapter 6, initialization and input normalization
    init       initialisers with torch.nn.init's names, fans and gains
    preprocessing  Standardizer, PCAWhitener, ZCAWhitener (fit on training data)
    variance_flow  the variance of signals and gradients, layer by layer
Chapter 7, batch normalization
    batch_norm BatchNorm1d and its forward/backward pairs (torch's conventions)
    smoothness how much the gradient changes over one step
Chapter 8, PyTorch (the only subpackage that imports torch)
    bridge     convert (nntrain <-> torch, compare, adam_agreement),
               training (device-agnostic loop), lbfgs, timing
Presentation (matplotlib / ipywidgets)
    plotting   the book's figure style
    widgets    a subpackage, one module per chapter: ipywidgets for Jupyter,
               companions (precomputed slider figures) and explorers that
               compute in the page, for the static website; see its docstring
"""
__version__ = "0.1.0"
