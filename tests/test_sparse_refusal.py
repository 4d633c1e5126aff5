"""A sparse X given to a method that needs dense data: one clear TypeError, from base.py.

The methods that take sparse input are listed from a single source, each class's
``_accepts_sparse`` tag (read by :func:`latentlearn.base.sparse_capable_methods`); every
other registered classical estimator must refuse a sparse matrix with an error that names
itself, those methods, and ``.toarray()``.
"""

import numpy as np
import pytest
from scipy import sparse

from latentlearn.base import sparse_capable_methods
from latentlearn.registry import list_methods

REFUSING = [m for m in list_methods(kind="classical") if not m.cls._accepts_sparse]


def _sparse_X():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(40, 6))
    X[X < 0.6] = 0
    return sparse.csr_matrix(X)


def test_the_sparse_capable_methods_come_from_the_tags():
    capable = sparse_capable_methods()
    for name in ("pca", "nmf", "kmeans", "minibatch_kmeans"):
        assert name in capable
    for info in REFUSING:
        assert info.name not in capable


def test_there_are_methods_that_refuse_sparse_input():
    assert len(REFUSING) >= 5


@pytest.mark.parametrize("info", REFUSING, ids=[m.name for m in REFUSING])
@pytest.mark.parametrize("container", [sparse.csr_matrix, sparse.csc_array])
def test_sparse_input_to_a_dense_method_says_what_to_do(info, container):
    X = container(_sparse_X())
    y = np.arange(X.shape[0]) % 2
    with pytest.raises(TypeError) as caught:
        info.cls().fit(X, y)
    message = str(caught.value)
    assert info.cls.__name__ in message
    assert "sparse" in message
    assert ".toarray()" in message
    for name in sparse_capable_methods():
        assert name in message
