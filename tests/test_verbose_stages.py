"""``verbose=`` logs the stage timings of a fit (as openTSNE's does) and changes nothing else."""

import logging

import numpy as np
import pytest
from sklearn.datasets import load_digits

from latentlearn.decomposition import NMF, FactorAnalysis, FastICA
from latentlearn.manifold import Isomap, LaplacianEigenmaps, LocallyLinearEmbedding

X = load_digits().data[:150]

CASES = [
    (Isomap, dict(n_neighbors=8), "latentlearn.manifold.isomap",
     ["neighbourhood graph", "geodesic distances", "classical scaling"]),
    (LaplacianEigenmaps, dict(n_neighbors=8, random_state=0), "latentlearn.manifold.laplacian",
     ["affinity graph", "eigenvectors"]),
    (LocallyLinearEmbedding, dict(n_neighbors=12, random_state=0), "latentlearn.manifold.lle",
     ["nearest neighbours", "weights", "smallest eigenvectors"]),
    (NMF, dict(n_components=5, random_state=0, max_iter=400), "latentlearn.decomposition.nmf",
     ["initialisation", "sweeps", "final codes"]),
    (FastICA, dict(n_components=5, random_state=0, max_iter=400), "latentlearn.decomposition.ica",
     ["whitening", "fixed-point iterations", "sources ordered"]),
    (FactorAnalysis, dict(n_components=5, random_state=0), "latentlearn.decomposition.factor_analysis",
     ["covariance", "EM iterations"]),
]


@pytest.mark.parametrize("cls, params, logger, stages", CASES, ids=[c[0].__name__ for c in CASES])
def test_verbose_logs_each_stage_and_changes_nothing(caplog, cls, params, logger, stages):
    quiet = cls(**params).fit_transform(X)
    with caplog.at_level(logging.INFO, logger=logger):
        loud = cls(**params, verbose=1).fit_transform(X)
    messages = [r.getMessage() for r in caplog.records if r.name == logger]
    assert len(messages) == len(stages), messages
    for message, stage in zip(messages, stages):
        assert message.startswith(cls.__name__ if cls is not LocallyLinearEmbedding
                                  else "LocallyLinearEmbedding") and stage in message, message
        assert message.endswith(" s")
    np.testing.assert_array_equal(loud, quiet)


@pytest.mark.parametrize("cls, params, logger, stages", CASES[:2], ids=["Isomap", "Laplacian"])
def test_quiet_logs_nothing_at_info(caplog, cls, params, logger, stages):
    with caplog.at_level(logging.INFO, logger=logger):
        cls(**params).fit(X)
    assert not [r for r in caplog.records if r.name == logger and r.levelno >= logging.INFO]
