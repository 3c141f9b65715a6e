"""The binding's parameter constants and defaults against the library's parameter tables: every
id the library knows (probed through sparsevar_*_get_param on a fresh handle, which also gives
its default) is one the binding names, with the same default, and vice versa."""

import inspect
from ctypes import byref, c_double, c_void_p

from sparsevar import model, stats, var
from sparsevar._lib import InvalidArgumentError, lib

PROBED = range(0, 1001)


def _library_defaults(create, get, free):
    """{id: value} of every parameter a fresh handle answers for."""
    handle = c_void_p()
    create(handle)
    try:
        found = {}
        for code in PROBED:
            value = c_double()
            try:
                get(handle, code, byref(value))
            except InvalidArgumentError:
                continue
            found[code] = value.value
        return found
    finally:
        free(handle)


def _number(value, choices=None):
    if choices is not None and not isinstance(value, bool) and value in choices:
        return float(choices[value])
    return float(value)


def test_var_parameters_match_the_library():
    library = _library_defaults(lambda h: lib.sparsevar_var_create(byref(h)), lib.sparsevar_var_get_param,
                                lib.sparsevar_var_free)
    names = {code: name for name, code in vars(var).items() if name.startswith("PARAM_")}
    assert set(names) == set(library)
    defaults = var.SparseVARModel._DEFAULTS
    python = {var.PARAM_LAG: defaults["p"], var.PARAM_LAMBDA: defaults["alpha"],
              var.PARAM_EPS_GAMMA: defaults["eps_gamma"], var.PARAM_NORMALIZE: defaults["normalize"],
              var.PARAM_INTERCEPT: defaults["fit_intercept"], var.PARAM_MAX_ITER: defaults["max_iter"],
              var.PARAM_CRITERION: var._CRITERIA[defaults["criterion"]],
              var.PARAM_THREADS: defaults["n_threads"]}
    assert {code: float(value) for code, value in python.items()} == library
    for code, default in library.items():
        lower, upper, given = c_double(), c_double(), c_double()
        lib.sparsevar_var_param_bounds(code, byref(lower), byref(upper), byref(given))
        assert given.value == default and lower.value <= default <= upper.value


def test_test_parameters_match_the_library():
    library = _library_defaults(lambda h: lib.sparsevar_var_set_create(byref(h)),
                                lib.sparsevar_var_set_get_param, lib.sparsevar_var_set_free)
    names = {code: name for name, code in vars(stats).items() if name.startswith("PARAM_")}
    assert set(names) == set(library)
    signature = inspect.signature(stats.VARSet.__init__).parameters
    python = {stats.PARAM_METHOD: stats._METHODS[signature["method"].default],
              stats.PARAM_PERMUTATIONS: signature["permutations"].default,
              stats.PARAM_SEED: signature["seed"].default,
              stats.PARAM_EXACT_LIMIT: signature["exact_limit"].default,
              stats.PARAM_THREADS: signature["n_threads"].default}
    assert {code: float(value) for code, value in python.items()} == library


def test_model_parameters_match_the_library():
    library = _library_defaults(lambda h: lib.sparsevar_autoencoder_create(byref(h), 16, 16),
                                lib.sparsevar_autoencoder_get_param, lib.sparsevar_autoencoder_free)
    assert set(model._PARAMS.values()) == set(library)
    assert len(set(model._PARAMS.values())) == len(model._PARAMS)
    # The header documents the architecture parameters as 500-506.
    assert {model._PARAMS[name] for name in model._ARCHITECTURE} == set(range(500, 507))
    for name, code in model._PARAMS.items():
        default = _number(model._DEFAULTS[name], model._CHOICES.get(name))
        assert default == library[code], name
        lower, upper, given = c_double(), c_double(), c_double()
        lib.sparsevar_autoencoder_param_bounds(code, byref(lower), byref(upper), byref(given))
        assert given.value == library[code], name
    for name in model._BOOLEANS:
        lower, upper = c_double(), c_double()
        lib.sparsevar_autoencoder_param_bounds(model._PARAMS[name], byref(lower), byref(upper), None)
        assert (lower.value, upper.value) == (0, 1), name
    for name, choices in model._CHOICES.items():
        lower, upper = c_double(), c_double()
        lib.sparsevar_autoencoder_param_bounds(model._PARAMS[name], byref(lower), byref(upper), None)
        assert set(choices.values()) == set(range(int(lower.value), int(upper.value) + 1)), name

