"""Variational Bayes examples as one run folder with a report (``latentlearn bayes``).

The examples of Bishop 2006, PRML, chapter 10 (section 10.1.2 and figures 10.2-10.3: which
divergence a factorised or single-Gaussian q minimises; section 10.3: variational linear
regression), computed with :mod:`latentlearn.bayes` and drawn with :mod:`latentlearn.plots`.

:func:`write_bayes_run` computes three things and writes them in latentlearn's run-folder
format (``config.json``, ``metrics.json``, ``figures.json``, ``figures/*.png``, ``report.html``):

1. The correlated Gaussian ``N((0, 1), [[1, 0.9], [0.9, 1]])`` approximated by a factorised q,
   by ``KL(q||p)`` (mean field: variances 0.19) and by ``KL(p||q)`` (marginals: variances 1).
2. A two-mode mixture approximated by one Gaussian: ``KL(q||p)`` from two starts (one per mode)
   and ``KL(p||q)`` (moment matching, between the modes).
3. Variational Bayesian linear regression on scikit-learn's diabetes data, its lower bound per
   sweep, and its agreement with BayesianRidge on a held-out quarter drawn with ``seed``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..bayes import (GaussianMixtureDensity, VariationalBayesLinearRegression,
                     factorized_gaussian, fit_gaussian)
from ..plots import plot_gaussian_approximations, plot_lower_bound
from ..runs import Figure, check_out_folder, run_config, write_run_folder

__all__ = ["write_bayes_run", "METRIC_DESCRIPTIONS", "CORRELATED_MEAN", "CORRELATED_COV",
           "bimodal_target"]

#: The correlated Gaussian target (mean (0, 1), correlation 0.9), like Bishop 2006, fig. 10.2.
CORRELATED_MEAN = np.array([0.0, 1.0])
CORRELATED_COV = np.array([[1.0, 0.9], [0.9, 1.0]])


def bimodal_target() -> GaussianMixtureDensity:
    """Two equal, well-separated Gaussian modes at ``+-(2.5, 1.25)`` (as Bishop's Fig. 10.3)."""
    mode = np.array([2.5, 1.25])
    cov = np.array([[0.5, 0.15], [0.15, 0.3]])
    return GaussianMixtureDensity([0.5, 0.5], [-mode, mode], [cov, cov])


#: What each metric written by :func:`write_bayes_run` means, and whether higher is better
#: (None: a fact or a count, not a score).
METRIC_DESCRIPTIONS: dict[str, tuple[str, bool | None]] = {
    "mean_field_variance_1": ("Variance of the mean-field factor q1 fitted by KL(q||p) to "
                              "the correlated Gaussian (1/Lambda_11 = 0.19).", None),
    "mean_field_variance_2": ("Variance of the mean-field factor q2 (1/Lambda_22 = 0.19).", None),
    "mean_field_mean_error": ("Largest distance of the mean-field means from the target's mean "
                              "(0, 1) at convergence.", False),
    "mean_field_n_iter": ("Sweeps of coordinate ascent on the mean-field equations until no "
                          "mean moved by more than 1e-10.", None),
    "mean_field_kl_qp": ("KL(q||p) of the mean-field solution (= -1/2 log(1 - 0.9^2) = 0.830).",
                         None),
    "ep_variance_1": ("Variance of factor q1 fitted by KL(p||q), expectation propagation's "
                      "criterion: the marginal variance Sigma_11 = 1.", None),
    "ep_variance_2": ("Variance of factor q2 fitted by KL(p||q) (Sigma_22 = 1).", None),
    "ep_n_iter": ("Sweeps of the KL(p||q) factor updates (one to move, one to confirm).", None),
    "ep_kl_pq": ("KL(p||q) of the factorised KL(p||q) solution.", None),
    "bimodal_kl_qp_distance_to_mode_a": ("Distance from the KL(q||p) fit started near mode A to "
                                         "mode A's mean (near 0: it locks onto that mode).",
                                         None),
    "bimodal_kl_qp_distance_to_mode_b": ("Distance from the KL(q||p) fit started near mode B to "
                                         "mode B's mean.", None),
    "bimodal_kl_pq_distance_to_midpoint": ("Distance from the KL(p||q) fit's mean to the midpoint "
                                           "of the modes (0: it sits between them).", None),
    "bimodal_variance_ratio": ("Variance along the modes' axis of the KL(p||q) fit over that of "
                               "the KL(q||p) fit (> 1: KL(p||q) spreads over both modes).",
                               None),
    "bimodal_kl_qp": ("KL(q||p) at the one-mode solution (about log 2 = 0.693 for two equal, "
                      "separate modes).", None),
    "bimodal_kl_pq": ("KL(p||q) at the moment-matched solution.", None),
    "vb_test_r2": ("R^2 of variational Bayesian linear regression on the held-out diabetes "
                   "samples.", True),
    "bayesian_ridge_test_r2": ("R^2 of scikit-learn's BayesianRidge on the same held-out "
                               "samples.", True),
    "vb_bayesian_ridge_max_prediction_gap": ("Largest |VB - BayesianRidge| held-out prediction, "
                                             "in units of the standard deviation of y (they share "
                                             "a fixed point; tiny).", False),
    "vb_n_iter": ("Sweeps of the coupled VB updates until E[alpha] and E[beta] settled.", None),
    "vb_lower_bound": ("Final variational lower bound L(q) <= log p(y) (nats).", True),
    "vb_lower_bound_min_step": ("Smallest change of the lower bound between sweeps (>= 0 up to "
                                "round-off: it never decreases).", None),
    "vb_alpha": ("E_q[alpha], the posterior mean of the weights' precision.", None),
    "vb_beta": ("E_q[beta], the posterior mean of the noise precision.", None),
}


def _correlated_gaussian():
    vb = factorized_gaussian(CORRELATED_MEAN, CORRELATED_COV, criterion="kl_qp")
    ep = factorized_gaussian(CORRELATED_MEAN, CORRELATED_COV, criterion="kl_pq")
    metrics = {
        "mean_field_variance_1": vb.variances[0],
        "mean_field_variance_2": vb.variances[1],
        "mean_field_mean_error": float(np.max(np.abs(vb.means - CORRELATED_MEAN))),
        "mean_field_n_iter": vb.n_iter,
        "mean_field_kl_qp": vb.kl,
        "ep_variance_1": ep.variances[0],
        "ep_variance_2": ep.variances[1],
        "ep_n_iter": ep.n_iter,
        "ep_kl_pq": ep.kl,
    }
    target = GaussianMixtureDensity([1.0], [CORRELATED_MEAN], [CORRELATED_COV])
    fig = plot_gaussian_approximations(
        target.log_pdf, [(vb.means, vb.cov), (ep.means, ep.cov)], extent=(-3.0, 3.0, -2.0, 4.0),
        titles=[f"min KL(q||p): variances {vb.variances[0]:.2f}",
                f"min KL(p||q): variances {ep.variances[0]:.2f}"])
    caption = ("The Gaussian N((0, 1), [[1, 0.9], [0.9, 1]]) (green) and the factorised q (red) "
               "that minimises each criterion (Bishop 2006, PRML, figure 10.2), at Mahalanobis "
               "radii 1, 2, 3. KL(q||p) "
               f"(mean field, {vb.n_iter} sweeps of coordinate ascent) gives variances "
               "1/Lambda_ii = 0.19: too compact. KL(p||q) gives the marginals, variance 1: "
               "too wide along the minor axis.")
    return metrics, ("correlated_gaussian", "Factorised q for a correlated Gaussian", caption,
                     fig)


def _bimodal():
    target = bimodal_target()
    mode_a, mode_b = target.means
    # Start 30 % of the way from the midpoint towards each mode: KL(q||p) then slides into the
    # mode on that side. (From within about 15 % of the midpoint it settles instead on a broad
    # q between the modes, a third local minimum.)
    starts = [0.3 * mode for mode in (mode_a, mode_b)]
    fit_a, fit_b = (fit_gaussian(target, criterion="kl_qp", init_mean=s, init_cov=0.5 * np.eye(2))
                    for s in starts)
    fit_pq = fit_gaussian(target, criterion="kl_pq")
    axis = (mode_b - mode_a) / np.linalg.norm(mode_b - mode_a)
    metrics = {
        "bimodal_kl_qp_distance_to_mode_a": float(np.linalg.norm(fit_a.mean - mode_a)),
        "bimodal_kl_qp_distance_to_mode_b": float(np.linalg.norm(fit_b.mean - mode_b)),
        "bimodal_kl_pq_distance_to_midpoint": float(np.linalg.norm(fit_pq.mean - target.mean())),
        "bimodal_variance_ratio": float((axis @ fit_pq.cov @ axis) / (axis @ fit_a.cov @ axis)),
        "bimodal_kl_qp": fit_a.kl,
        "bimodal_kl_pq": fit_pq.kl,
    }
    fig = plot_gaussian_approximations(
        target.log_pdf, [(fit_pq.mean, fit_pq.cov), (fit_a.mean, fit_a.cov),
                         (fit_b.mean, fit_b.cov)], extent=(-5.0, 5.0, -3.5, 3.5),
        titles=["min KL(p||q)", "min KL(q||p), start near A", "min KL(q||p), start near B"])
    caption = ("A two-mode mixture (green) and the single Gaussian q (red) minimising each "
               "criterion. KL(p||q) (expectation propagation's criterion) matches the moments "
               "and spreads over both modes, centred between them where p has little mass. "
               "KL(q||p) (variational Bayes) locks onto one mode; which one depends on where "
               "the optimiser starts.")
    return metrics, ("bimodal", "One Gaussian for a two-mode target", caption, fig)


def _regression(seed):
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import BayesianRidge
    from sklearn.model_selection import train_test_split

    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed)
    vb = VariationalBayesLinearRegression().fit(X_train, y_train)
    ridge = BayesianRidge().fit(X_train, y_train)
    gap = np.max(np.abs(vb.predict(X_test) - ridge.predict(X_test))) / np.std(y)
    steps = np.diff(vb.lower_bounds_)
    metrics = {
        "vb_test_r2": vb.score(X_test, y_test),
        "bayesian_ridge_test_r2": ridge.score(X_test, y_test),
        "vb_bayesian_ridge_max_prediction_gap": float(gap),
        "vb_n_iter": vb.n_iter_,
        "vb_lower_bound": vb.lower_bound_,
        "vb_lower_bound_min_step": float(steps.min()) if steps.size else 0.0,
        "vb_alpha": vb.alpha_,
        "vb_beta": vb.beta_,
    }
    fig = plot_lower_bound(vb.lower_bounds_,
                           title="Variational Bayesian linear regression, diabetes data")
    caption = (f"The lower bound L(q) after each of the {vb.n_iter_} sweeps of the coupled "
               f"updates of q(w), q(alpha), q(beta) (left), and its distance to the final value "
               f"(right, log scale). It never decreases. Held-out R^2 {metrics['vb_test_r2']:.3f}"
               f", BayesianRidge {metrics['bayesian_ridge_test_r2']:.3f}.")
    dataset = {"name": "diabetes", "n_samples": int(X.shape[0]), "n_features": int(X.shape[1]),
               "description": ("scikit-learn's diabetes data (442 patients, 10 standardised "
                               "features, a disease-progression target) for the regression; the "
                               "other figures use analytic targets as in Bishop 2006, PRML, "
                               "figures 10.2 and 10.3: N((0, 1), [[1, 0.9], [0.9, 1]]) and a "
                               "two-Gaussian mixture.")}
    params = {key: value for key, value in vb.get_params().items()}
    return metrics, ("lower_bound", "Lower bound per iteration", caption, fig), dataset, params


def write_bayes_run(out_dir, *, seed=0, overwrite=False) -> Path:
    """Write the variational examples (Bishop 2006, PRML, chapter 10) as a run folder with
    ``report.html``.

    The folder is assembled in a hidden sibling and renamed into place at the end, so a crash
    never leaves a folder that looks complete.

    Parameters
    ----------
    out_dir : str or Path
        The run folder to write.
    seed : int, default=0
        Draws the diabetes train/test split (the other examples are deterministic).
    overwrite : bool, default=False
        Replace ``out_dir`` if it exists and is not empty.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    ParameterError
        ``out_dir`` exists, is not empty, and ``overwrite`` is False.
    """
    out = check_out_folder(out_dir, overwrite)
    start = time.perf_counter()
    metrics_c, fig_c = _correlated_gaussian()
    metrics_b, fig_b = _bimodal()
    metrics_r, fig_r, dataset, params = _regression(seed)
    duration = time.perf_counter() - start
    config = run_config(
        "variational_bayes", "bayes",
        {"regression": params, "factorized_tol": 1e-10,
         "correlated_mean": CORRELATED_MEAN.tolist(), "correlated_cov": CORRELATED_COV.tolist()},
        seed, dataset, duration)
    metrics = {name: float(value) for name, value in
               {**metrics_c, **metrics_b, **metrics_r}.items()}
    figures = [Figure(name, title, caption, fig) for name, title, caption, fig in
               (fig_c, fig_b, fig_r)]
    write_run_folder(out, config=config, metrics=metrics, figures=figures,
                     metric_info=METRIC_DESCRIPTIONS, overwrite=overwrite)
    return out
