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


def test_model_parameters_are_the_librarys_table():
    """The model's keywords are built from the table: every id a fresh handle answers for, with
    its default, bounds and kind, under the table's name or its scikit-learn name."""
    library = _library_defaults(lambda h: lib.sparsevar_autoencoder_create(byref(h), 16, 16),
                                lib.sparsevar_autoencoder_get_param, lib.sparsevar_autoencoder_free)
    parameters = model._PARAMETERS
    assert {p.id for p in parameters.values()} == set(library)
    assert len({p.id for p in parameters.values()}) == len(parameters)
    signature = inspect.signature(model.SparseVARAutoencoder).parameters
    assert list(signature) == list(parameters)
    for name, parameter in parameters.items():
        assert parameter.number(parameter.default) == library[parameter.id], name
        assert signature[name].default == parameter.default, name
        assert name in model.SparseVARAutoencoder.__doc__, name
        lower, upper, given = c_double(), c_double(), c_double()
        lib.sparsevar_autoencoder_param_bounds(parameter.id, byref(lower), byref(upper), byref(given))
        assert (lower.value, upper.value, given.value) == (parameter.lower, parameter.upper, library[parameter.id])
        if parameter.kind == "choice":
            assert len(parameter.options) == int(upper.value) + 1, name
            for code, option in enumerate(parameter.options):
                assert parameter.number(option) == code and parameter.value(code) == option
        if parameter.kind == "flag":
            assert (lower.value, upper.value) == (0, 1), name
    assert {name for name, p in parameters.items() if p.architecture} >= {"depth", "channels", "seed"}


def test_model_keywords_reach_the_library_and_come_back():
    """A value of every kind set through the constructor is what the library then holds."""
    values = {"channels": 4, "encoder_slope": 0.5, "mode": "embedded", "skip_connection": False, "alpha": 0.02}
    with model.SparseVARAutoencoder(**values) as m:
        assert m.get_params()["mode"] == "embedded"
        handle = c_void_p()
        lib.sparsevar_autoencoder_create(byref(handle), 16, 16)
        try:
            m._apply_parameters(handle)
            for name, value in values.items():
                number = c_double()
                lib.sparsevar_autoencoder_get_param(handle, model._PARAMS[name], byref(number))
                assert model._PARAMETERS[name].value(number.value) == value, name
        finally:
            lib.sparsevar_autoencoder_free(handle)
    try:
        model.SparseVARAutoencoder(chanels=4)
    except TypeError as error:
        assert "chanels" in str(error)
    else:
        raise AssertionError("an unknown keyword was accepted")
