"""ContrastiveEmbedding (DrLIM, Hadsell, Chopra & LeCun 2006) and its triplet option.

References: the loss formulas evaluated by hand in float64; scikit-learn's brute-force
NearestNeighbors for the kNN pairs; the labels for the label pairs; the input space's own 10-NN
accuracy for the separation; the network's forward pass for transform; a straight run for
resume. Each test was checked against a bug planted by hand (named in its docstring).
"""

import inspect

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.neighbors import NearestNeighbors
from sklearn.utils.estimator_checks import (check_get_params_invariance,
                                            check_no_attributes_set_in_init,
                                            check_parameters_default_constructible,
                                            check_set_params)

import latentlearn
from latentlearn.datasets import load
from latentlearn.exceptions import DataError, ParameterError
from latentlearn.metrics import knn_accuracy
from latentlearn.neural import ContrastiveEmbedding
from latentlearn.neural.models.contrastive import (ContrastiveConfig, ContrastiveNetwork,
                                                   contrastive_loss, triplet_loss)
from latentlearn.registry import get_method

RNG = np.random.default_rng(3)
X = RNG.normal(size=(90, 6)).astype(np.float32)
SMALL = dict(hidden_dims=(16,), epochs=3, batch_size=32, device="cpu", random_state=0)


def small(**kw):
    return ContrastiveEmbedding(**{**SMALL, **kw})


def _t(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


# --------------------------------------------------------------------------- the losses
def test_contrastive_loss_is_hadsell_et_al_formula_on_hand_made_pairs():
    """Planted: Y read the other way round (Y=1 similar) -> the similar pairs cost the hinge."""
    m = 1.0
    z1 = np.zeros((6, 2))
    z2 = np.array([[0.6, 0.8], [0.3, 0.0], [0.6, 0.8], [0.3, 0.0], [1.5, 0.0], [0.0, 1.0]])
    y = np.array([0, 0, 1, 1, 1, 1])                   # 0 similar, 1 dissimilar (the paper)
    d = np.linalg.norm(z2 - z1, axis=1)                # 1.0, 0.3, 1.0, 0.3, 1.5, 1.0 (= m)
    expected = (1 - y) * d**2 / 2 + y * np.maximum(0.0, m - d) ** 2 / 2
    got = contrastive_loss(_t(z1), _t(z2), _t(y), m).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got, [0.5, 0.045, 0.0, 0.245, 0.0, 0.0], atol=1e-12)
    # At the margin edge the hinge and its gradient vanish; just inside it they do not.
    inside = torch.tensor([[0.999, 0.0]], dtype=torch.float64, requires_grad=True)
    loss = contrastive_loss(torch.zeros(1, 2, dtype=torch.float64), inside, torch.ones(1), m)
    loss.sum().backward()
    assert loss.item() == pytest.approx(0.001**2 / 2, rel=1e-9)
    assert inside.grad[0, 0].item() == pytest.approx(-0.001, rel=1e-6)   # pushed outwards
    edge = torch.tensor([[1.0, 0.0]], dtype=torch.float64, requires_grad=True)
    contrastive_loss(torch.zeros(1, 2, dtype=torch.float64), edge, torch.ones(1), m).backward()
    assert edge.grad.abs().max().item() == 0.0
    # Coinciding codes of a dissimilar pair: loss m^2 / 2 and a finite gradient.
    same = torch.zeros(1, 2, dtype=torch.float64, requires_grad=True)
    out = contrastive_loss(torch.zeros(1, 2, dtype=torch.float64), same, torch.ones(1), m)
    out.backward()
    assert out.item() == pytest.approx(0.5, abs=1e-6) and torch.isfinite(same.grad).all()


def test_triplet_loss_is_the_squared_margin_formula():
    """Planted: distances instead of squared distances -> the 3-4-5 triplets are off."""
    m = 0.5
    a = np.zeros((4, 2))
    p = np.array([[0.3, 0.4], [0.6, 0.8], [1.0, 0.0], [0.0, 0.1]])
    n = np.array([[0.6, 0.8], [0.3, 0.4], [np.sqrt(0.5), np.sqrt(1.0)], [2.0, 0.0]])
    dp, dn = (np.sum(p**2, 1), np.sum(n**2, 1))         # 0.25, 1, 1, 0.01 | 1, 0.25, 1.5, 4
    expected = np.maximum(0.0, dp - dn + m)              # 0, 1.25, 0 (edge), 0
    got = triplet_loss(_t(a), _t(p), _t(n), m).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-12)
    np.testing.assert_allclose(got, [0.0, 1.25, 0.0, 0.0], atol=1e-12)


# --------------------------------------------------------------------------- the pairs
def _network(n_features, **config):
    return ContrastiveNetwork(ContrastiveConfig(n_features=n_features, hidden=(4,), **config))


def test_knn_pairs_are_the_brute_force_neighbours_and_negatives_the_others():
    """Planted: the graph symmetrised (kneighbors_graph's default) -> rows of != k neighbours;
    planted: the exclusion step skipped for the last neighbour -> a negative is a neighbour."""
    k = 4
    est = small(n_neighbors=k)
    est.seed_ = 0
    pairs = est._pairs(X, None)
    ref = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(X).kneighbors()[1]
    assert pairs["neighbors"].shape == (90, k)
    for i in range(90):
        assert set(pairs["neighbors"][i]) == set(ref[i]), i
    net = _network(6, n_neighbors=k, negatives_per_positive=3)
    net.attach_training_data(X, **pairs)
    anchors = torch.arange(90).repeat(40)
    torch.manual_seed(0)
    positives, negatives = net.draw_pairs(anchors)
    assert positives.shape == (3600, k) and negatives.shape == (3600, k, 3)
    hits = np.zeros((90, 90), dtype=int)
    for a, pos, neg in zip(anchors.numpy(), positives.numpy(), negatives.numpy()):
        assert set(pos) == set(ref[a])
        assert not set(neg.ravel()) & (set(ref[a]) | {a})
        np.add.at(hits[a], neg.ravel(), 1)
    # Uniform over the n - k - 1 others: every one drawn, none far more often than the rest.
    allowed = np.ones((90, 90), bool)
    allowed[np.arange(90)[:, None], ref] = False
    np.fill_diagonal(allowed, False)
    assert (hits[allowed] > 0).mean() > 0.99 and hits[~allowed].sum() == 0
    assert hits[allowed].sum() / allowed.sum() == pytest.approx(40 * k * 3 / (90 - k - 1))


def test_label_pairs_are_same_class_positives_and_other_class_negatives():
    """Planted: the anchor not skipped among its class -> an anchor paired with itself;
    planted: negatives drawn without skipping the class block -> same-class negatives."""
    y = np.repeat(np.array(["b", "a", "c"]), [10, 25, 5])[RNG.permutation(40)]
    est = small(n_neighbors=3)
    est.seed_ = 0
    pairs = est._pairs(X[:40], y)
    net = _network(6, n_neighbors=3, negatives_per_positive=2)
    net.attach_training_data(X[:40], **pairs)
    anchors = torch.arange(40).repeat(200)
    torch.manual_seed(1)
    positives, negatives = net.draw_pairs(anchors)
    a, p, n = anchors.numpy(), positives.numpy(), negatives.numpy()
    assert (y[p] == y[a][:, None]).all() and (p != a[:, None]).all()
    assert (y[n] != y[a][:, None, None]).all()
    # Every other member of the class is drawn as a positive, uniformly.
    for i in (0, 1, 2):
        drawn = np.bincount(p[a == i].ravel(), minlength=40)
        mates = np.flatnonzero((y == y[i]) & (np.arange(40) != i))
        assert drawn[mates].min() > 0 and drawn.sum() == drawn[mates].sum()


# --------------------------------------------------------------------------- training
def test_training_separates_digit_classes():
    """Reference: the 10-NN accuracy of the 64-D inputs (about 0.99); the 2-D code must come
    close. Planted: the sign of the hinge flipped (dissimilar pairs pulled in) -> about 0.4."""
    ds = load("digits")
    keep = ds.y < 4
    Xd, yd = ds.X[keep], ds.y[keep]
    est = ContrastiveEmbedding(hidden_dims=(128,), epochs=15, batch_size=64, learning_rate=3e-3,
                               device="cpu", random_state=0)
    Z = est.fit_transform(Xd)
    reference = knn_accuracy(Xd, yd)
    assert Z.shape == (keep.sum(), 2) and reference > 0.98
    assert knn_accuracy(Z, yd) > reference - 0.05      # measured 0.974 against 1.0
    h = est.history_
    assert h[-1]["loss"] < h[0]["loss"]
    assert h[-1]["negative_distance"] > 3 * h[-1]["positive_distance"]


def test_label_pairs_and_triplets_train_and_separate_blobs():
    """Classes that input-space neighbours do not show (a small offset along one axis, large
    noise along three): with labels the code follows the classes. Planted: y ignored (kNN
    pairs) -> accuracy about 0.5."""
    rng = np.random.default_rng(0)
    yb = np.tile([0, 1], 60)
    Xb = np.column_stack([rng.normal(0, 5, (120, 3)), yb + rng.normal(0, 0.1, 120)]).astype(
        np.float32)
    for loss in ("contrastive", "triplet"):
        est = small(loss=loss, epochs=30, hidden_dims=(32,), learning_rate=3e-3)
        Z = est.fit(Xb, yb).transform(Xb)
        assert est.pairs_ == "labels"
        assert knn_accuracy(Xb, yb) < 0.7              # the inputs do not show the labels
        assert knn_accuracy(Z, yb) > 0.9, loss
    assert "active_triplets" in est.history_[-1]


def test_transform_is_the_network_forward_pass_batched():
    """Planted: transform through a random re-initialised copy -> differs."""
    est = small().fit(X)
    with torch.no_grad():
        codes = est.model_.encode(torch.as_tensor(X)).numpy()
    np.testing.assert_array_equal(est.transform(X), codes)
    Z_new = est.transform(RNG.normal(size=(2100, 6)).astype(np.float32))  # three batches
    assert Z_new.shape == (2100, 2) and Z_new.dtype == np.float32
    assert est.model_.train_X is None                  # the training data is not kept


def test_same_random_state_same_weights_and_resume_is_bit_for_bit(tmp_path):
    """Planted: negatives from an unseeded numpy generator -> runs differ; planted: the draws
    from a generator the trainer does not checkpoint -> the resumed run differs."""
    a, b = small(epochs=2).fit(X), small(epochs=2).fit(X)
    for key, value in a.model_.state_dict().items():
        assert torch.equal(value, b.model_.state_dict()[key]), key
    assert not np.array_equal(a.transform(X), small(epochs=2, random_state=1).fit(X).transform(X))

    straight = small(epochs=4, checkpoint_dir=tmp_path / "a").fit(X)

    class Crash(Exception):
        pass

    def crash(event, logs):
        if event == "step" and logs["step"] == 2 * 3 + 2:   # 3 batches per epoch
            raise Crash

    with pytest.raises(Crash):
        small(epochs=4, checkpoint_dir=tmp_path / "b", callback=crash).fit(X)
    resumed = small(epochs=4, checkpoint_dir=tmp_path / "b", resume=True).fit(X)
    strip = lambda h: [{k: v for k, v in r.items() if k != "time_s"} for r in h]  # noqa: E731
    assert strip(resumed.history_) == strip(straight.history_)
    for key, value in straight.model_.state_dict().items():
        assert torch.equal(value, resumed.model_.state_dict()[key]), key


def test_save_load_round_trip(tmp_path):
    """Planted: pairs_ left out of the fitted attributes -> missing after load."""
    est = small(loss="triplet", margin=0.5, n_neighbors=3).fit(X)
    est.save(tmp_path / "m")
    back = latentlearn.load(tmp_path / "m", device="cpu")
    assert isinstance(back, ContrastiveEmbedding) and back.get_params() == est.get_params()
    np.testing.assert_array_equal(back.transform(X), est.transform(X))
    assert back.pairs_ == "knn" and back.history_ == est.history_
    assert back.model_.config.loss == "triplet" and back.model_.config.margin == 0.5


def test_conv_network_from_the_shared_builders():
    ds = load("digits")
    est = ContrastiveEmbedding(architecture="conv", conv_channels=(4, 8), epochs=1,
                               batch_size=64, device="cpu", random_state=0)
    Z = est.fit_transform(ds)
    assert Z.shape == (ds.n_samples, 2) and est.image_shape_ == (8, 8)
    assert type(est.model_.encoder).__name__ == "ConvEncoder"


# --------------------------------------------------------------------------- the estimator API
def test_parameters_and_no_decoder():
    """Planted: decoder not removed -> it is a parameter that does nothing."""
    params = ContrastiveEmbedding().get_params()
    assert "decoder" not in params and "encoder" in params
    assert params["latent_dim"] == 2 and params["loss"] == "contrastive"
    assert params["margin"] == 1.0 and params["n_neighbors"] == 5
    assert params["negatives_per_positive"] == 2
    assert list(inspect.signature(ContrastiveEmbedding).parameters)[0] == "latent_dim"
    name = "ContrastiveEmbedding"
    check_parameters_default_constructible(name, ContrastiveEmbedding())
    check_no_attributes_set_in_init(name, ContrastiveEmbedding())
    check_get_params_invariance(name, ContrastiveEmbedding())
    check_set_params(name, ContrastiveEmbedding())
    assert clone(small()).get_params() == small().get_params()
    est = small().fit(X)
    for absent in ("inverse_transform", "reconstruct", "interpolate", "sample"):
        assert not hasattr(est, absent), absent
    info = get_method("contrastive")
    assert info.cls is ContrastiveEmbedding and info.family == "neural"
    assert "Y = 0" in ContrastiveEmbedding.__doc__ and "Hadsell" in ContrastiveEmbedding.__doc__


def test_removed_parameters_must_be_inherited():
    from latentlearn.neural.estimators import _NeuralEstimator

    with pytest.raises(TypeError, match="_removed_parameters"):
        type("Bad", (_NeuralEstimator,), {"_removed_parameters": ("nope",)})


@pytest.mark.parametrize("fit_args, error, words", [
    ((X, np.zeros(10)), DataError, ["y has shape (10,)", "90 samples"]),
    ((X, np.zeros(90)), DataError, ["one class"]),
    ((X, np.r_[np.zeros(89), 1]), DataError, ["class 1.0", "single input"]),
    ((X[:5],), ParameterError, ["n_neighbors=5", "n_samples=5"]),
])
def test_bad_input_is_named(fit_args, error, words):
    with pytest.raises(error) as info:
        small().fit(*fit_args)
    for word in words:
        assert word in str(info.value)


def test_bad_parameters_and_dataloader_are_refused():
    with pytest.raises(ParameterError, match="margin"):
        small(margin=0.0).fit(X)
    with pytest.raises(ParameterError, match="loss"):
        small(loss="hinge").fit(X)
    loader = torch.utils.data.DataLoader(torch.as_tensor(X), batch_size=8)
    with pytest.raises(ParameterError, match="DataLoader"):
        small().fit(loader)


def test_cli_fit_contrastive_on_digits(tmp_path):
    from typer.testing import CliRunner

    from latentlearn.cli import app

    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["fit", "contrastive", "--data", "digits", "--set",
                                      "epochs=2", "--set", "hidden_dims=(32,)", "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "model" / "weights.safetensors").is_file() and (out / "report.html").is_file()
    figures = (out / "figures.json").read_text()
    assert "embedding" in figures and "pair_distances" in figures
    import json

    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 < metrics["knn_accuracy"] <= 1 and "reconstruction_error" not in metrics
    back = latentlearn.load(out / "model")
    assert back.transform(load("digits").X[:3]).shape == (3, 2)


def test_plot_pair_distances_draws_both_curves_and_the_margin():
    """Planted: the margin line left out -> two lines."""
    from latentlearn.plots import plot_pair_distances

    fig = plot_pair_distances([1, 2, 3], [0.5, 0.3, 0.2], [0.6, 0.9, 1.0], margin=1.0)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 3
    np.testing.assert_array_equal(lines[1].get_ydata(), [0.6, 0.9, 1.0])
    assert lines[2].get_ydata()[0] == 1.0
    with pytest.raises(DataError, match="one length"):
        plot_pair_distances([1, 2], [0.5], [0.6, 0.9])


def test_validation_fraction_logs_the_pair_loss_of_held_out_anchors():
    """The trainer's validation path drives the pair sampler too (a wiring check: val_*
    entries for every term, finite, not copies of the training ones)."""
    est = small(validation_fraction=0.2, epochs=2).fit(X)
    last = est.history_[-1]
    for key in ("loss", "positive_distance", "negative_distance", "similar_loss"):
        assert np.isfinite(last[f"val_{key}"]) and last[f"val_{key}"] != last[key]
    with pytest.raises(ParameterError, match="validation"):
        small(early_stopping_patience=2).fit(X)
