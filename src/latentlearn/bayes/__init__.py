"""Variational Bayes and expectation propagation's criterion (Bishop 2006, PRML, chapter 10).

Approximating a distribution ``p`` by a simpler ``q`` means choosing which divergence to
minimise, and the two orders behave differently:

- ``KL(q || p)`` (variational Bayes): mode-seeking, too compact.
  :func:`factorized_gaussian` with ``criterion="kl_qp"`` solves the mean-field equations by
  coordinate ascent; :func:`fit_gaussian` locks onto one mode of a mixture.
- ``KL(p || q)`` (expectation propagation's criterion): mass-covering, moment matching.
  The same functions with ``criterion="kl_pq"`` give the marginals, or spread over both modes.

:class:`VariationalBayesLinearRegression` is Bishop's (PRML, section 10.3) variational
treatment of Bayesian linear regression, as a scikit-learn regressor.
:func:`latentlearn.plots.plot_gaussian_approximations` and
:func:`latentlearn.plots.plot_lower_bound` draw the figures;
:func:`latentlearn.apps.variational_bayes.write_bayes_run` writes them, with the numbers, as a
run folder with a report.
"""

from .gaussian_fit import GaussianFit, GaussianMixtureDensity, fit_gaussian
from .linear_regression import VariationalBayesLinearRegression
from .mean_field import FactorizedGaussian, factorized_gaussian

__all__ = [
    "factorized_gaussian",
    "FactorizedGaussian",
    "GaussianMixtureDensity",
    "fit_gaussian",
    "GaussianFit",
    "VariationalBayesLinearRegression",
]
