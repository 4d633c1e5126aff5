"""Keep the neural tests light on a shared machine: one torch thread, restored afterwards.

Module scope, so that module-scoped fixtures (the reference runs of the resume tests) train under
the same single thread as the tests that compare against them. With function scope they ran
under whatever thread count the process had; after numba's parallel kernels (t-SNE) have run,
torch sees two OpenMP threads, and a reference trained with two threads differed from the
resumed one-thread runs in the 7th digit (`pytest tests/test_cli.py
tests/neural/test_neural_trainer_resume.py` failed two resume tests).
"""

import pytest
import torch

# A script that torchrun starts (test_ddp.py imports it too); --doctest-modules would import it
# a second time, registering its model class twice.
collect_ignore = ["ddp_worker.py"]


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
