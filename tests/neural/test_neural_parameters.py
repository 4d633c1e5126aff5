"""The neural estimators' parameters, declared once (neural/parameters.py), keep sklearn's API.

The reference for the defaults is the hand-written constructors the declaration replaced
(copied here as literals): a wrong default in the table fails ``test_defaults_are_unchanged``.
"""

import inspect

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import (check_get_params_invariance,
                                            check_no_attributes_set_in_init,
                                            check_parameters_default_constructible,
                                            check_set_params)

from latentlearn.base import Interval
from latentlearn.exceptions import ParameterError
from latentlearn.neural import VAE, Autoencoder, DenoisingAutoencoder, SparseAutoencoder
from latentlearn.neural.parameters import TRAINING_PARAMETERS, Param

ESTIMATORS = [Autoencoder, DenoisingAutoencoder, SparseAutoencoder, VAE]
X = (np.random.default_rng(5).random((80, 12)) > 0.6).astype(np.float32)
TINY = dict(hidden_dims=(6,), epochs=1, batch_size=40, device="cpu", random_state=0)

# The pre-refactor constructors' defaults, parameter by parameter.
SHARED = dict(hidden_dims=(128,), architecture="mlp", image_shape=None, conv_channels=(32, 64),
              activation="relu", epochs=20, batch_size=128, learning_rate=1e-3,
              optimizer="adam", lr_schedule="constant", weight_decay=0.0,
              validation_fraction=0.0, early_stopping_patience=None, checkpoint_dir=None,
              checkpoint_every=1, resume=False, device="auto", random_state=None,
              callback=None, encoder=None, decoder=None, weight_schedules=None,
              # added since, with defaults that train as before:
              precision="32", num_workers=0, pin_memory=None, n_jobs=None)
AE = dict(SHARED, latent_dim=32, code_activation="relu", reconstruction="bce")
EXPECTED = {
    Autoencoder: AE,
    DenoisingAutoencoder: dict(AE, noise_std=0.1, clip=True),
    SparseAutoencoder: dict(AE, code_activation="sigmoid", sparsity_target=0.05,
                            sparsity_weight=1.0),
    VAE: dict(SHARED, latent_dim=20, hidden_dims=(512, 256), architecture="auto",
              likelihood="bernoulli", scale=1.0, learn_scale=False, n_samples=1, beta=1.0),
}


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_defaults_are_unchanged(cls):
    params = cls().get_params()
    assert params == EXPECTED[cls]
    assert {k: type(v) for k, v in params.items()} == \
        {k: type(v) for k, v in EXPECTED[cls].items()}


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_signature_latent_dim_positional_the_rest_keyword_only(cls):
    params = list(inspect.signature(cls).parameters.values())
    assert params[0].name == "latent_dim"
    assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])
    assert cls(7).latent_dim == 7
    with pytest.raises(TypeError):
        cls(7, (8,))                      # only latent_dim is positional
    with pytest.raises(TypeError, match="latent_size"):
        cls(latent_size=3)                # a typo is refused, as by a hand-written __init__


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_sklearn_parameter_checks(cls):
    name = cls.__name__
    check_parameters_default_constructible(name, cls())
    check_no_attributes_set_in_init(name, cls())
    check_get_params_invariance(name, cls())
    check_set_params(name, cls())


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_clone_set_params_and_repr(cls):
    widths = [8, 4]
    est = cls(3, epochs=2, hidden_dims=widths, callback=print)
    assert est.hidden_dims is widths                # stored as given, not converted
    copy = clone(est)
    assert copy is not est and copy.get_params() == est.get_params()
    assert est.set_params(batch_size=16, learning_rate=0.01) is est
    assert est.batch_size == 16 and est.learning_rate == 0.01
    with pytest.raises(ValueError, match="bogus"):
        est.set_params(bogus=1)
    text = repr(cls(3, epochs=2))
    assert text == f"{cls.__name__}(epochs=2, latent_dim=3)"   # only changed params
    assert repr(cls()) == f"{cls.__name__}()"


def test_grid_search_over_latent_dim():
    search = GridSearchCV(VAE(epochs=1, **{k: v for k, v in TINY.items() if k != "epochs"}),
                          {"latent_dim": [2, 3]}, cv=2)
    search.fit(X)
    assert search.best_params_["latent_dim"] in (2, 3)
    assert search.best_estimator_.model_.config.latent_dim == search.best_params_["latent_dim"]
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_every_parameter_is_checked_at_fit_and_documented(cls):
    assert set(cls._parameter_constraints) == set(inspect.signature(cls).parameters)
    section = cls.__doc__.split("Parameters\n----------\n", 1)[1]
    for name, default in EXPECTED[cls].items():
        assert f"\n{name} : " in "\n" + section, name
        assert f"default={default!r}" in section
    assert "seed 00" not in cls.__doc__.lower()
    with pytest.raises(ParameterError, match=r"batch_size=0"):
        cls(2, **dict(TINY, batch_size=0)).fit(X)
    with pytest.raises(ParameterError, match=r"lr_schedule='linear'"):
        cls(2, **dict(TINY, lr_schedule="linear")).fit(X)


def test_model_and_trainer_settings_reach_their_configs():
    est = SparseAutoencoder(3, **dict(TINY, sparsity_target=0.2, learning_rate=0.01,
                                      lr_schedule="cosine", weight_decay=1e-4))
    est.fit(X)
    config = est.model_.config
    assert (config.latent_dim, config.hidden, config.sparsity_target,
            config.code_activation) == (3, (6,), 0.2, "sigmoid")
    trainer = est._trainer_config(0)
    assert (trainer.learning_rate, trainer.lr_schedule, trainer.weight_decay,
            trainer.batch_size) == (0.01, "cosine", 1e-4, 40)
    assert est.history_[0]["lr"] == pytest.approx(0.01 * 0.5 * (1 + np.cos(np.pi / 1)))


def test_a_new_family_is_a_few_lines():
    class BetaVAE(VAE):
        """beta-VAE (Higgins et al. 2017): the VAE with beta > 1."""

        _default_overrides = {"beta": 4.0, "latent_dim": 10}

    class TaggedVAE(BetaVAE):
        """A VAE with one parameter of its own (kept by the estimator, not the model)."""

        _new_parameters = (Param("tag", "x", (str,), "str", "A label."),)

    assert BetaVAE().beta == 4.0 and BetaVAE().latent_dim == 10 and VAE().beta == 1.0
    est = TaggedVAE(2, **TINY)
    assert est.get_params()["tag"] == "x" and est.get_params()["beta"] == 4.0
    assert est.fit(X).model_.config.beta == 4.0
    with pytest.raises(ParameterError, match="tag=3"):
        TaggedVAE(2, tag=3, **TINY).fit(X)
    with pytest.raises(TypeError, match="redeclares"):
        type("Bad", (VAE,), {"__doc__": "x", "_new_parameters": (TRAINING_PARAMETERS[6],)})
    with pytest.raises(TypeError, match="unknown"):
        type("Bad", (VAE,), {"__doc__": "x", "_default_overrides": {"gamma": 1.0}})


def test_shared_parameters_are_one_table():
    # Every estimator holds the same Param objects for the shared settings it does not change.
    for name in ("epochs", "optimizer", "early_stopping_patience", "callback"):
        params = {cls._param_table[name] for cls in ESTIMATORS}
        assert len(params) == 1
    assert isinstance(TRAINING_PARAMETERS[0].constraints[0], Interval)


def test_values_are_converted_on_the_way_to_the_configs(tmp_path):
    """Ints and lists as given by a user (or JSON) reach the configs as floats and tuples."""
    est = VAE(2, **dict(TINY, hidden_dims=[6], scale=2, beta=1, learning_rate=1,
                        checkpoint_dir=tmp_path / "ckpt"))
    config = est._model_config(12, None)
    assert config.hidden == (6,) and type(config.scale) is float and type(config.beta) is float
    trainer = est._trainer_config(0)
    assert type(trainer.learning_rate) is float
    assert trainer.checkpoint_dir == str(tmp_path / "ckpt")
    assert trainer.history_path == str(tmp_path / "ckpt.history.jsonl")
    assert est.hidden_dims == [6] and est.scale == 2       # the estimator keeps what it was given
