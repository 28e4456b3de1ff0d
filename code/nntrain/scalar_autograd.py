"""Backpropagation from scratch on scalars, as in micrograd (chapter 2).

A Value holds one float, ``data``, and the derivative of the loss with
respect to it, ``grad``. Each operation returns a new Value that remembers
its operands (``_prev``) and a closure (``_backward``) that applies the
chain rule locally: it adds ``out.grad`` times a local derivative into each
operand's ``grad``. ``loss.backward()`` runs these closures in reverse
topological order, so every node is finished before its operands are.

Gradients accumulate, as in torch: ``backward()`` adds into the ``grad`` of
the leaves (Values built from numbers); set them to 0 before the next pass.
Intermediate Values get fresh gradients on each call. A Value is a scalar,
so ``backward()`` needs no upstream gradient.
"""
import math
from numbers import Real


def _as_value(x):
    if isinstance(x, Value):
        return x
    if isinstance(x, Real):
        return Value(x)
    raise ValueError("Value arithmetic takes a Value or a real number;"
                     f" got {type(x).__name__} {x!r}.")


class Value:
    def __init__(self, data, _prev=(), _op=""):
        if not isinstance(data, Real):
            raise ValueError("Value holds a real number (int or float);"
                             f" got {type(data).__name__} {data!r}.")
        self.data, self.grad = float(data), 0.0
        self._prev, self._op = _prev, _op
        self._backward = lambda: None

    def __add__(self, other):
        other = _as_value(other)
        out = Value(self.data + other.data, (self, other), "+")
        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = _as_value(other)
        out = Value(self.data * other.data, (self, other), "*")
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        if isinstance(k, Value) or not isinstance(k, Real):
            raise ValueError("the exponent must be a real number (int or"
                             f" float); got {type(k).__name__} {k!r}.")
        return self._unary(self.data ** k,
                           k * self.data ** (k - 1), f"**{k}")

    def exp(self):
        e = math.exp(self.data)
        return self._unary(e, e, "exp")

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log needs a positive Value; got {self.data}.")
        return self._unary(math.log(self.data), 1 / self.data, "log")

    def tanh(self):
        t = math.tanh(self.data)
        return self._unary(t, 1 - t * t, "tanh")

    def _unary(self, value, local, op):
        # out = f(self), with local derivative f'(self.data) = local
        out = Value(value, (self,), op)
        def _backward():
            self.grad += local * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # depth-first, children before parents, no recursion
            v, children_done = stack.pop()
            if children_done:
                order.append(v)
            elif v not in seen:
                seen.add(v)
                stack.append((v, True))
                stack.extend((c, False) for c in v._prev)
        for v in order:
            if v._prev:  # not a leaf: recompute, do not accumulate
                v.grad = 0.0
        self.grad += 1.0
        for v in reversed(order):
            v._backward()

    def __neg__(self): return self * -1
    def __sub__(self, other): return self + (-_as_value(other))
    def __truediv__(self, other): return self * _as_value(other) ** -1
    def __radd__(self, other): return self + other
    def __rmul__(self, other): return self * other
    def __rsub__(self, other): return _as_value(other) - self
    def __rtruediv__(self, other): return _as_value(other) / self

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"
