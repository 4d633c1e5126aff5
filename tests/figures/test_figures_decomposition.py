"""Figure makers of decompositions: the PCA and NMF dictionaries side by side."""

import numpy as np
import pytest

from latentlearn.datasets import Dataset, load
from latentlearn.decomposition import NMF
from latentlearn.figures.decomposition import figure_nmf_vs_pca
from latentlearn.runs import RunResult


@pytest.fixture(scope="module")
def digits():
    return load("digits").X.astype(np.float64)  # (1797, 64) in [0, 1]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_figure_nmf_vs_pca(digits):
    data = Dataset(X=digits[:300].astype(np.float32), image_shape=(8, 8), name="digits")
    nmf = NMF(9, random_state=0, max_iter=50).fit(data.X)
    result = RunResult(method="nmf", family="decomposition", estimator=nmf, dataset=data,
                       seed=0)
    figures = list(figure_nmf_vs_pca(result))
    assert len(figures) == 1 and figures[0].name == "nmf_vs_pca"
    assert len(figures[0].figure.subfigs) == 2
    assert len(figures[0].figure.axes) == 18  # 9 PCA atoms and 9 NMF atoms
    # nothing for other estimators or non-image data
    plain = Dataset(X=data.X, name="no images")
    assert list(figure_nmf_vs_pca(RunResult("nmf", "decomposition", nmf, plain, 0))) == []
