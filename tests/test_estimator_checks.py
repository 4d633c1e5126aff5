"""scikit-learn's estimator checks over every registered classical estimator.

Each class is instantiated with its defaults; a check that does not apply to a method is
declared through that estimator's ``__sklearn_tags__``, never skipped here.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from latentlearn.registry import classical_estimators


@parametrize_with_checks([cls() for cls in classical_estimators()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
