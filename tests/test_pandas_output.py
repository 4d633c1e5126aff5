"""pandas in and out of every registered estimator (issue 16, item 3).

Over every method in the registry, classical and neural: a DataFrame's column names become
``feature_names_in_``; a transformer's ``get_feature_names_out`` names its output columns in
scikit-learn's ``<class name in lower case><i>`` convention, and
``set_output(transform="pandas")`` turns ``fit_transform`` and ``transform`` into DataFrames
with those columns and the input's index, holding the numbers the array path gives.
"""

import numpy as np
import pandas as pd
import pytest

from latentlearn.registry import list_methods

RNG = np.random.RandomState(0)
VALUES = RNG.rand(48, 4)                       # in [0, 1]: the neural losses' range
FRAME = pd.DataFrame(VALUES, columns=["height", "width", "depth", "mass"],
                     index=pd.RangeIndex(1000, 1048, name="sample"))
Y = (VALUES[:, 0] > 0.5).astype(float)         # a target, for the methods that need one

# Small neural settings: one quick epoch.
NEURAL = dict(hidden_dims=(8,), epochs=1, batch_size=16, device="cpu")
NEURAL_EXTRA = {"contrastive": dict(n_neighbors=3), "vq_vae": dict(prior_dim=8, prior_heads=2),
                "gan": dict(epochs=1), "wgan": dict(epochs=1), "wgan_gp": dict(epochs=1)}

METHODS = list_methods()


def _build(info):
    params = info.cls().get_params()
    kwargs = {"random_state": 0} if "random_state" in params else {}
    if info.kind == "neural":
        kwargs.update({k: v for k, v in NEURAL.items() if k in params})
        kwargs.update(NEURAL_EXTRA.get(info.name, {}))
    return info.cls(**kwargs)


def _fit(est, X):
    try:
        return est.fit(X)
    except TypeError:
        return est.fit(X, Y)


@pytest.mark.parametrize("info", METHODS, ids=[m.name for m in METHODS])
def test_dataframe_feature_names_and_pandas_output(info):
    est = _fit(_build(info), FRAME)
    np.testing.assert_array_equal(est.feature_names_in_, FRAME.columns)
    if not hasattr(est, "transform") and not hasattr(est, "fit_transform"):
        assert not hasattr(est, "set_output") or not hasattr(est, "get_feature_names_out")
        return
    names = est.get_feature_names_out()
    prefix = type(est).__name__.lower()
    assert list(names) == [f"{prefix}{i}" for i in range(len(names))]

    reference = _build(info).fit_transform(VALUES)
    out = _build(info).set_output(transform="pandas").fit_transform(FRAME)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(names)
    pd.testing.assert_index_equal(out.index, FRAME.index)
    np.testing.assert_allclose(out.to_numpy(), reference, rtol=1e-12, atol=1e-12)
    if hasattr(est, "transform"):
        est.set_output(transform="pandas")
        new = est.transform(FRAME.iloc[:5])
        assert isinstance(new, pd.DataFrame) and list(new.columns) == list(names)
        pd.testing.assert_index_equal(new.index, FRAME.index[:5])


def test_every_registered_transformer_is_covered():
    """The methods with a transform: all of them get set_output (none is left on arrays)."""
    with_transform = [m.name for m in METHODS if hasattr(m.cls(), "transform")
                      or hasattr(m.cls(), "fit_transform")]
    assert {"pca", "tsne", "isomap", "laplacian_eigenmaps", "mds", "convex_flow", "vae",
            "vq_vae", "contrastive"} <= set(with_transform)
    for name in with_transform:
        cls = next(m.cls for m in METHODS if m.name == name)
        assert hasattr(cls(), "set_output"), name
