"""Presentation on top of the numerics: interactive figures, one module per chapter.

Nothing in the numerical modules of :mod:`nntrain` imports from here; these
modules import matplotlib and ipywidgets inside the functions that draw.

Machinery
    companion       kernel-free slider figures (precomputed PNG frames) for the website
    live_page       shared parts of the explorers that compute in the page (inline SVG + script)
Chapter 3, convergence analysis
    quadratic       ipywidgets for the step size and gradient descent on a 2-D quadratic
    live_quadratic  the same two explorers computing in the page
Chapter 4, adaptive methods
    live_momentum   heavy ball and Nesterov explorer computing in the page
    race            the optimizer race: widget and small-multiples companion
Chapter 5, minibatches
    batch           batch size and learning rate: widget and companion
Chapter 6, initialization
    init            signal and gradient variance through depth: widget and companion
Chapter 7, batch normalization
    batch_norm      training with and without batch norm: widget and companion
"""
