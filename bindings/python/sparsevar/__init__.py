"""sparsevar: sparse vector autoregression by LARS-lasso, and group tests between fitted runs.

A ctypes binding of libsparsevar (numpy in, numpy out). See ``sparsevar._lib`` for how the
library is found and for the exception classes, which all derive from :class:`SparseVARError`.

    >>> import numpy as np, sparsevar
    >>> model = sparsevar.SparseVARModel(p=2, alpha=0.05).fit(z)  # z: (T, K)
    >>> model.coef_.shape                                         # (p, K, K)

The whole method on video runs (frames (T, H, W) per run, with group labels):

    >>> ae = sparsevar.SparseVARAutoencoder(p=5).fit(runs, labels=[0, 0, 1, 1])  # depth from the run lengths
    >>> ae.coef_.shape                                            # (runs, p, K, K)
    >>> ae.swap_test(0, 1).pvalue, ae.contribution_map(difference=(0, 1))
"""

from ._lib import (
    BINDING_VERSION as __version__,
    BufferTooSmallError,
    CancelledError,
    InvalidArgumentError,
    NonFiniteError,
    NotFittedError,
    NumericalError,
    OutOfMemoryError,
    ModelFileError,
    FileAccessError,
    ShapeError,
    SparseVARError,
    lib as _lib_handle,
    library_path,
)
from .lars import lars_path, lasso_lars, lasso_lars_vjp
from .stats import (
    GroupTestOutcome,
    MannwhitneyuResult,
    VARSet,
    bonferroni,
    influence_test,
    mannwhitneyu,
    smallest_pvalue,
    swap_test,
)
from .var import CriterionPath, SparseVARModel
from .dataset import FrameDataset
from .model import SparseVARAutoencoder
from .synthetic import SyntheticTwoPhotonGenerator


def version() -> str:
    """Version of the loaded C library, "MAJOR.MINOR.PATCH"."""
    return _lib_handle.sparsevar_version_string().decode("ascii")


def version_number() -> int:
    """Version of the loaded C library as MAJOR*10000 + MINOR*100 + PATCH."""
    return int(_lib_handle.sparsevar_version_number())


__all__ = [
    "__version__",
    "BufferTooSmallError",
    "CancelledError",
    "CriterionPath",
    "FrameDataset",
    "GroupTestOutcome",
    "InvalidArgumentError",
    "MannwhitneyuResult",
    "NonFiniteError",
    "NotFittedError",
    "NumericalError",
    "OutOfMemoryError",
    "ModelFileError",
    "FileAccessError",
    "ShapeError",
    "SparseVARModel",
    "SparseVARAutoencoder",
    "SyntheticTwoPhotonGenerator",
    "SparseVARError",
    "VARSet",
    "bonferroni",
    "influence_test",
    "lars_path",
    "lasso_lars",
    "lasso_lars_vjp",
    "library_path",
    "mannwhitneyu",
    "smallest_pvalue",
    "swap_test",
    "version",
    "version_number",
]
