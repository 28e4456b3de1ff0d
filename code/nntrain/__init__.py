"""nntrain: the numerical code behind *Training Neural Networks - an executable course*.

Modules follow the book, and import with numpy alone (plotting and widgets
are separate so the numerics stay light):

* :mod:`nntrain.calculus`  - chapter 1: numerical derivatives and gradient checks
* :mod:`nntrain.core`      - ``Parameter`` and ``Module``, shared by layers and optimizers
* :mod:`nntrain.plotting`  - the book's figure style (matplotlib)
"""
__version__ = "0.1.0"
