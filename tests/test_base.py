"""The parameter tables and the registry."""

import numbers

import pytest

from latentlearn.base import Interval, LatentEstimator, Options, check_parameters
from latentlearn.exceptions import ParameterError, UnknownNameError
from latentlearn.registry import get_method, list_methods


class Toy(LatentEstimator):
    _parameter_constraints = {
        "k": [Interval(numbers.Integral, 1, None)],
        "frac": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "mode": [Options({"a", "b"})],
        "flag": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, k=2, *, frac=None, mode="a", flag=False, random_state=None):
        self.k, self.frac, self.mode, self.flag, self.random_state = k, frac, mode, flag, random_state


@pytest.mark.parametrize("params", [dict(k=1), dict(frac=0.5), dict(mode="b"), dict(flag=True),
                                    dict(random_state=3)])
def test_accepted(params):
    check_parameters(Toy(**params))


@pytest.mark.parametrize("params, allowed", [
    (dict(k=0), "an integer in [1, inf)"),
    (dict(k=2.0), "an integer"),
    (dict(k=True), "an integer"),
    (dict(frac=1.0), "a real number in (0, 1)"),
    (dict(frac=float("nan")), "a real number"),
    (dict(mode="c"), "one of 'a', 'b'"),
    (dict(flag="yes"), "True or False"),
    (dict(random_state="seed"), "an int seed"),
])
def test_rejected_with_a_message_naming_parameter_value_and_allowed(params, allowed):
    (name, value), = params.items()
    with pytest.raises(ParameterError) as info:
        check_parameters(Toy(**params))
    message = str(info.value)
    assert f"Toy: parameter {name}={value!r}" in message and allowed in message


def test_registry_lookup_and_suggestions():
    assert get_method("PCA").name == "pca"
    assert {"pca", "kmeans"} <= {m.name for m in list_methods()}
    with pytest.raises(UnknownNameError, match="Did you mean kmeans"):
        get_method("kmean")
