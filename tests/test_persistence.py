"""Fitted estimators saved as JSON + safetensors and loaded back, never unpickled."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits

from latentlearn.cluster import KMeans
from latentlearn.decomposition import PCA
from latentlearn.exceptions import CheckpointError
from latentlearn.persistence import load_estimator, save_estimator

X = load_digits().data[:300]


@pytest.mark.parametrize("estimator", [PCA(n_components=5, whiten=True),
                                       KMeans(n_clusters=4, n_init=2, random_state=0)])
def test_round_trip_gives_identical_outputs(tmp_path, estimator):
    estimator.fit(X)
    save_estimator(estimator, tmp_path / "m")
    loaded = load_estimator(tmp_path / "m")
    assert type(loaded) is type(estimator)
    assert loaded.get_params() == estimator.get_params()
    np.testing.assert_array_equal(loaded.transform(X), estimator.transform(X))


def test_a_fit_on_sparse_data_keeps_its_neighbour_search(tmp_path):
    # Isomap's transform searches the training rows; fitted on CSR they are a sparse matrix.
    import scipy.sparse as sp

    from latentlearn.manifold import Isomap

    X_sparse = sp.random(200, 40, density=0.2, format="csr", random_state=0)
    iso = Isomap(n_neighbors=8).fit(X_sparse)
    save_estimator(iso, tmp_path / "m")
    loaded = load_estimator(tmp_path / "m")
    assert sp.issparse(loaded.nbrs_._fit_X)
    np.testing.assert_array_equal(loaded.transform(X_sparse[:20]), iso.transform(X_sparse[:20]))


def test_array_parameter_round_trips(tmp_path):
    init = X[:3].copy()
    km = KMeans(n_clusters=3, init=init, n_init=1).fit(X)
    save_estimator(km, tmp_path / "m")
    np.testing.assert_array_equal(load_estimator(tmp_path / "m").init, init)


def test_pickle_file_is_refused(tmp_path):
    folder = tmp_path / "m"
    save_estimator(PCA(n_components=2).fit(X), folder)
    (folder / "weights.safetensors").write_bytes(pickle.dumps({"components_": np.eye(2)}))
    with pytest.raises(CheckpointError, match="not a valid safetensors"):
        load_estimator(folder)


def test_truncated_weights_are_refused(tmp_path):
    folder = tmp_path / "m"
    save_estimator(PCA(n_components=2).fit(X), folder)
    data = (folder / "weights.safetensors").read_bytes()
    (folder / "weights.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or altered"):
        load_estimator(folder)


def test_foreign_config_is_refused(tmp_path):
    folder = tmp_path / "m"
    save_estimator(PCA(n_components=2).fit(X), folder)
    (folder / "config.json").write_text('{"model": "something else"}')
    with pytest.raises(CheckpointError, match="not a latentlearn estimator"):
        load_estimator(folder)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_estimator(folder)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_estimator(tmp_path / "nowhere")


# --------------------------------------------------------------------------- the one format
import hashlib  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from dataclasses import asdict  # noqa: E402

from sklearn.base import is_regressor  # noqa: E402

import latentlearn  # noqa: E402
from latentlearn import fileio  # noqa: E402
from latentlearn.exceptions import LegacyFormatWarning  # noqa: E402
from latentlearn.registry import list_methods  # noqa: E402

SMALL_X = load_digits().data[:120] / 16.0
SMALL_Y = SMALL_X @ np.linspace(-1.0, 1.0, SMALL_X.shape[1])
OUTPUTS = ("transform", "predict", "score", "sample", "inverse_transform")


def _outputs(est):
    """Every output the estimator gives on SMALL_X (those that raise are left out)."""
    out = {}
    for name in OUTPUTS:
        if not hasattr(est, name):
            continue
        try:
            if name == "sample":
                out[name] = est.sample(4, random_state=0)
            elif name == "inverse_transform":
                out[name] = est.inverse_transform(est.transform(SMALL_X[:10]))
            elif name == "score" and is_regressor(est):
                out[name] = est.score(SMALL_X[:20], SMALL_Y[:20])
            else:
                out[name] = getattr(est, name)(SMALL_X[:20])
        except Exception:  # noqa: BLE001 - not every method applies to every estimator
            continue
    return out


def _fitted(est):
    return {k: v for k, v in vars(est).items() if k.endswith("_") and not k.startswith("_")}


def _assert_same(a, b, what):
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype, what
        np.testing.assert_array_equal(a, b, err_msg=what)
    elif hasattr(a, "toarray"):  # sparse
        np.testing.assert_array_equal(a.toarray(), b.toarray(), err_msg=what)
    elif hasattr(a, "kneighbors"):
        np.testing.assert_array_equal(a.kneighbors(SMALL_X[:5])[1], b.kneighbors(SMALL_X[:5])[1])
    else:
        assert a == b and type(a) is type(b), (what, a, b)


def _fitted_small(info):
    est = info.cls()
    return est.fit(SMALL_X, SMALL_Y) if is_regressor(est) else est.fit(SMALL_X)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("info", list_methods(kind="classical"), ids=lambda i: i.name)
def test_every_registered_classical_estimator_round_trips(tmp_path, info):
    est = _fitted_small(info)
    folder = est.save(tmp_path / "m")
    loaded = latentlearn.load(folder)
    assert type(loaded) is type(est)
    for key, value in est.get_params(deep=False).items():
        if not isinstance(value, np.random.RandomState) and not callable(value):
            _assert_same(value, loaded.get_params(deep=False)[key], key)
    assert json.loads((folder / "config.json").read_text())["skipped"] == []  # all state saved
    for key, value in _fitted(est).items():
        _assert_same(value, getattr(loaded, key), key)
    expected, got = _outputs(est), _outputs(loaded)
    assert set(got) == set(expected)
    for name in expected:
        np.testing.assert_array_equal(got[name], expected[name], err_msg=name)  # bit for bit


@pytest.mark.parametrize("name", ["ae", "vae"])
def test_neural_estimators_round_trip_through_load(tmp_path, name):
    from latentlearn.registry import get_method

    est = get_method(name).cls(latent_dim=2, hidden_dims=(12,), epochs=1, batch_size=32,
                               device="cpu", random_state=0).fit(SMALL_X.astype(np.float32))
    loaded = latentlearn.load(est.save(tmp_path / "m"), device="cpu")
    assert type(loaded) is type(est)
    assert loaded.get_params() == {**est.get_params(), "callback": None}
    assert (loaded.n_features_in_, loaded.seed_, loaded.history_) == \
        (est.n_features_in_, est.seed_, est.history_)
    np.testing.assert_array_equal(loaded.transform(SMALL_X), est.transform(SMALL_X))
    if name == "vae":
        np.testing.assert_array_equal(loaded.sample(3, random_state=1),
                                      est.sample(3, random_state=1))
    folder = tmp_path / "m"
    _edit_config(folder, lambda c: c["attributes"].update(seed_={"kind": "str", "value": "0"}))
    with pytest.raises(CheckpointError, match=r"config\.json: attribute 'seed_' of .* must be "
                                              r"int, found str"):
        latentlearn.load(folder)
    _edit_config(folder, lambda c: c["attributes"].pop("seed_"))
    _edit_config(folder, lambda c: c["params"]["hidden_dims"].update(kind="str"))
    with pytest.raises(CheckpointError, match=r"parameter 'hidden_dims' should be str"):
        latentlearn.load(folder)


@pytest.fixture
def pca_folder(tmp_path):
    return PCA(n_components=3).fit(X).save(tmp_path / "m")


def _edit_config(folder, edit):
    config = json.loads((folder / "config.json").read_text())
    edit(config)
    (folder / "config.json").write_text(json.dumps(config))


def test_one_flipped_byte_in_the_weights_is_refused(pca_folder):
    path = pca_folder / "weights.safetensors"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x01  # one bit of one float: still a valid safetensors file
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"weights\.safetensors .*bytes that differ.*"
                                              r"checksum in config\.json"):
        latentlearn.load(pca_folder)


def test_truncated_weights_are_refused_by_load(pca_folder):
    path = pca_folder / "weights.safetensors"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(CheckpointError, match=r"weights\.safetensors is not a valid safetensors"
                                              r".*truncated or altered"):
        latentlearn.load(pca_folder)


def test_missing_weights_file(pca_folder):
    (pca_folder / "weights.safetensors").unlink()
    with pytest.raises(CheckpointError, match=r"weights\.safetensors is missing"):
        latentlearn.load(pca_folder)


def test_edited_attribute_of_the_wrong_type(pca_folder):
    _edit_config(pca_folder, lambda c: c["attributes"]["n_components_"].update(value="3"))
    with pytest.raises(CheckpointError, match=r"config\.json: attribute 'n_components_' should "
                                              r"be int \(as saved\), found str '3'"):
        latentlearn.load(pca_folder)


def test_edited_kind_is_checked_against_what_the_class_declares(pca_folder):
    _edit_config(pca_folder, lambda c: c["attributes"].update(
        n_features_in_={"kind": "str", "value": "64"}))
    with pytest.raises(CheckpointError, match=r"config\.json: attribute 'n_features_in_' of PCA "
                                              r"must be int, found str"):
        latentlearn.load(pca_folder)


def test_edited_array_shape(pca_folder):
    _edit_config(pca_folder, lambda c: c["attributes"]["components_"].update(shape=[2, 64]))
    with pytest.raises(CheckpointError, match=r"'components_' should be an array of dtype "
                                              r"<f8 and shape \[2, 64\]"):
        latentlearn.load(pca_folder)


def test_edited_parameter_outside_the_class_table(pca_folder):
    _edit_config(pca_folder, lambda c: c["params"]["n_components"].update(value=-3))
    with pytest.raises(CheckpointError, match=r"config\.json: PCA: parameter n_components=-3"):
        latentlearn.load(pca_folder)


def test_unknown_parameter_and_attribute_names(pca_folder):
    _edit_config(pca_folder, lambda c: c["params"].update(bogus={"kind": "int", "value": 1}))
    with pytest.raises(CheckpointError, match=r"'bogus' is not a parameter of PCA"):
        latentlearn.load(pca_folder)
    _edit_config(pca_folder, lambda c: c["params"].pop("bogus"))
    for name in ("transform", "fit_transform", "n_components", "_parameter_constraints",
                 "__class__", "bogus"):
        _edit_config(pca_folder, lambda c: c["attributes"].update(
            {name: {"kind": "int", "value": 1}}))
        with pytest.raises(CheckpointError, match=f"'{name}' is not a fitted attribute of PCA"):
            latentlearn.load(pca_folder)
        _edit_config(pca_folder, lambda c: c["attributes"].pop(name))
    assert latentlearn.load(pca_folder).n_components_ == 3


def test_unknown_method_name(pca_folder):
    _edit_config(pca_folder, lambda c: c.update(method="pcaa"))
    with pytest.raises(CheckpointError, match=r"config\.json: unknown method 'pcaa'\. Did you "
                                              r"mean pca"):
        latentlearn.load(pca_folder)


def test_newer_format_version_is_refused(pca_folder):
    _edit_config(pca_folder, lambda c: c.update(format_version=99))
    with pytest.raises(CheckpointError, match="newer latentlearn.*upgrade"):
        latentlearn.load(pca_folder)


def test_tensor_not_listed_in_the_config(pca_folder):
    from safetensors.numpy import load as st_load, save as st_save

    tensors = st_load((pca_folder / "weights.safetensors").read_bytes())
    data = st_save({**tensors, "extra_": np.zeros(2)})
    (pca_folder / "weights.safetensors").write_bytes(data)
    _edit_config(pca_folder, lambda c: c["files"].update(
        {"weights.safetensors": hashlib.sha256(data).hexdigest()}))
    with pytest.raises(CheckpointError, match=r"holds tensors that config\.json does not list "
                                              r"\(extra_\)"):
        latentlearn.load(pca_folder)


class _Trap:
    """Unpickling this creates ``marker``: proof that a pickle was opened."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import os

        return (os.mkdir, (self.marker,))


def test_a_pickle_instead_of_a_folder_is_never_opened(tmp_path):
    marker = tmp_path / "opened"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(_Trap(marker)))
    with pytest.raises(CheckpointError, match="is a file.*never loaded"):
        latentlearn.load(path)
    folder = tmp_path / "pickles"
    folder.mkdir()
    (folder / "model.pkl").write_bytes(path.read_bytes())
    with pytest.raises(CheckpointError, match=r"config\.json does not exist.*holds model\.pkl: "
                                              r"pickled files are never loaded"):
        latentlearn.load(folder)
    (folder / "weights.safetensors").write_bytes(path.read_bytes())  # a pickle under our name
    fileio.write_json(folder / "config.json", {"format": "latentlearn.model", "format_version": 2,
                                               "method": "pca", "params": {}, "attributes": {},
                                               "files": {"weights.safetensors": "0" * 64}})
    with pytest.raises(CheckpointError, match="looks like a pickle.*never unpickled"):
        latentlearn.load(folder)
    assert not marker.exists()


def test_an_extra_pickle_in_the_folder_is_fine_and_never_opened(pca_folder, tmp_path):
    marker = tmp_path / "opened"
    (pca_folder / "model.pkl").write_bytes(pickle.dumps(_Trap(marker)))
    assert latentlearn.load(pca_folder).n_components_ == 3
    assert not marker.exists()


def test_foreign_folders(tmp_path):
    folder = tmp_path / "hf"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "bert", "hidden_size": 768}')
    (folder / "weights.safetensors").write_bytes(b"")
    with pytest.raises(CheckpointError, match=r"hf/config\.json is not a latentlearn estimator "
                                              r"config"):
        latentlearn.load(folder)
    (folder / "config.json").write_text('[1, 2]')
    with pytest.raises(CheckpointError, match="not a latentlearn estimator config"):
        latentlearn.load(folder)
    fileio.write_json(folder / "config.json", {"format": "latentlearn.model", "format_version": 2,
                                               "method": "pca"})
    with pytest.raises(CheckpointError, match="lists no checksums"):
        latentlearn.load(folder)


def test_save_is_atomic(tmp_path, monkeypatch):
    folder = PCA(n_components=3).fit(X).save(tmp_path / "m")
    before = (folder / "config.json").read_text()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(fileio, "write_json", crash)
    with pytest.raises(OSError, match="disk full"):
        PCA(n_components=2).fit(X).save(folder)
    assert (folder / "config.json").read_text() == before  # the old folder is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # and no partial sibling
    monkeypatch.undo()
    PCA(n_components=2).fit(X).save(folder)
    assert latentlearn.load(folder).n_components_ == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_legacy_classical_folder_loads_with_a_warning(tmp_path):
    from safetensors.numpy import save as st_save

    pca = PCA(n_components=3, whiten=True).fit(X)
    folder = tmp_path / "old"
    folder.mkdir()
    arrays = {k: np.ascontiguousarray(v) for k, v in vars(pca).items()
              if isinstance(v, np.ndarray) and k.endswith("_")}
    (folder / "weights.safetensors").write_bytes(st_save(arrays))
    (folder / "config.json").write_text(json.dumps({   # the layout of format v1, by hand
        "format": "latentlearn.estimator", "format_version": 1, "method": "pca", "class": "PCA",
        "params": {k: v for k, v in pca.get_params().items()},
        "attributes": {k: v for k, v in vars(pca).items()
                       if k.endswith("_") and isinstance(v, (int, float, str))},
        "skipped": []}))
    with pytest.warns(LegacyFormatWarning, match="without an integrity check. Save it again"):
        loaded = latentlearn.load(folder)
    np.testing.assert_allclose(loaded.transform(X), pca.transform(X), rtol=0, atol=1e-12)
    config = json.loads((folder / "config.json").read_text())
    config["attributes"]["n_components_"] = "3"
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.warns(LegacyFormatWarning), pytest.raises(
            CheckpointError, match="'n_components_' of PCA must be int, found str '3'"):
        latentlearn.load(folder)


def test_legacy_neural_folder_loads_verified(tmp_path):
    from safetensors.torch import save as st_save

    from latentlearn.neural import VAE

    vae = VAE(2, hidden_dims=(12,), epochs=1, batch_size=32, device="cpu",
              random_state=0).fit(SMALL_X.astype(np.float32))
    folder = tmp_path / "old"
    folder.mkdir()
    weights = st_save({k: v.contiguous() for k, v in vae.model_.state_dict().items()})
    (folder / "weights.safetensors").write_bytes(weights)
    params = {k: (list(v) if isinstance(v, tuple) else v)
              for k, v in vae.get_params().items() if k != "callback"}
    (folder / "config.json").write_text(json.dumps({   # the layout of latentlearn.neural v1
        "format": "latentlearn.neural", "format_version": 1, "model": "vae",
        "model_config": fileio.to_jsonable(asdict(vae.model_.config)),
        "estimator": {"method": "vae", "class": "VAE", "params": {**params, "callback": None},
                      "attributes": {"n_features_in_": 64, "seed_": vae.seed_,
                                     "image_shape_": None}},
        "history": vae.history_,
        "files": {"weights.safetensors": hashlib.sha256(weights).hexdigest()}}))
    loaded = latentlearn.load(folder, device="cpu")
    assert loaded.get_params() == {**vae.get_params(), "callback": None}
    np.testing.assert_array_equal(loaded.transform(SMALL_X), vae.transform(SMALL_X))
    (folder / "weights.safetensors").write_bytes(weights[:-4] + b"\0\0\0\0")
    with pytest.raises(CheckpointError, match="checksum"):  # v1 had checksums: still verified
        latentlearn.load(folder)


def test_import_latentlearn_stays_light():
    code = ("import sys, latentlearn; assert callable(latentlearn.load); "
            "print(sorted(m for m in ('torch', 'sklearn', 'safetensors', 'latentlearn.persistence')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_one_registry_for_classical_and_neural():
    import latentlearn.neural.estimators as neural

    assert not hasattr(neural, "ESTIMATORS")
    names = {m.name: m.cls for m in list_methods()}
    assert names["vae"] is neural.VAE and names["pca"] is PCA


def test_a_training_checkpoint_loads_as_its_estimator(tmp_path):
    from latentlearn.neural import VAE

    vae = VAE(2, hidden_dims=(12,), epochs=2, batch_size=32, device="cpu", random_state=0,
              checkpoint_dir=tmp_path / "ckpt").fit(SMALL_X.astype(np.float32))
    assert (tmp_path / "ckpt" / "training_state.safetensors").is_file()
    loaded = latentlearn.load(tmp_path / "ckpt", device="cpu")
    assert isinstance(loaded, VAE) and loaded.history_ == vae.history_
    np.testing.assert_array_equal(loaded.transform(SMALL_X), vae.transform(SMALL_X))
    data = bytearray((tmp_path / "ckpt" / "training_state.safetensors").read_bytes())
    data[-1] ^= 0x01
    (tmp_path / "ckpt" / "training_state.safetensors").write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"training_state\.safetensors .*checksum"):
        latentlearn.load(tmp_path / "ckpt")
