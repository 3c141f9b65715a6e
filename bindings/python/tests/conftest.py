"""Test setup: import the package from this source tree (unless SPARSEVAR_TEST_INSTALLED=1, to
test an installed copy) and the C library from SPARSEVAR_LIBRARY when it is set."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if os.environ.get("SPARSEVAR_TEST_INSTALLED") != "1":
    sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)  # for _support


def pytest_report_header(config):
    import sparsevar

    return [f"sparsevar {sparsevar.version()} from {sparsevar.library_path} "
            f"(binding {sparsevar.__version__} in {os.path.dirname(sparsevar.__file__)})"]


@pytest.fixture
def rng(request):
    """A generator seeded by the test's name, so that every test is reproducible alone."""
    import zlib

    import numpy as np

    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))
