"""scikit-learn's estimator checks over every registered classical estimator.

Each class is instantiated with its defaults; a check that does not apply to a method is
declared by that estimator -- through its ``__sklearn_tags__``, or, where no tag says it, in
its ``_expected_failed_checks`` (check name -> reason) -- never skipped here.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from latentlearn.registry import classical_estimators


def _declared_failures(estimator):
    return dict(getattr(estimator, "_expected_failed_checks", {}))


@parametrize_with_checks([cls() for cls in classical_estimators()],
                         expected_failed_checks=_declared_failures)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
