"""Suite-wide settings.

BLAS and OpenMP run single-threaded in the tests: on a 2-core machine shared with other work,
multi-threaded OpenBLAS made small linear algebra 10-30x slower (threads spinning against each
other), and single-threaded numbers are reproducible. Speed is measured in benchmarks/, not here.
"""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(scope="session", autouse=True)
def _single_threaded_blas():
    with threadpool_limits(limits=1):
        yield
