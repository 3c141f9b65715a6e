"""The sparse-VAR autoencoder (docs/method.md) on video runs: training, per-run VARs, group tests,
contribution maps, saving and loading (a ctypes wrapper of sparsevar_autoencoder)."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from ctypes import byref, c_double, c_int32, c_int64, c_void_p

import numpy as np

from ._interrupt import interruptible
from ._labels import LabelNames
from ._lib import (
    PROGRESS_CALLBACK,
    TRAINING_PROGRESS_CALLBACK,
    CancelledError,
    SparseVARError,
    lib,
)
from ._params import docstring, parameters, signature
from ._util import HandleOwner, argument_error, f32_ptr, f64_ptr, read_name
from .dataset import FrameDataset, _frames_array
from .stats import GroupTestOutcome, _label, read_test_result

__all__ = ["SparseVARAutoencoder"]

# The model's parameters are the rows of the library's table (sparsevar_param_table), under the
# row's name except for the concepts named as in scikit-learn and the binding's SparseVARModel.
_PYTHON_NAMES = {"training_mode": "mode", "lag": "p", "lambda": "alpha", "threads": "n_threads",
                 "test_permutations": "permutations", "test_exact_limit": "exact_limit"}
_PARAMETERS = parameters("autoencoder", _PYTHON_NAMES)
_PARAMS = {name: parameter.id for name, parameter in _PARAMETERS.items()}


def _free_model(handle):
    lib.sparsevar_autoencoder_free(handle)


class _TrainingProgress:
    """The C training callback: forwards to a Python callable, a progress bar, or both; records
    every window's loss. An exception inside the callable cancels training and is re-raised
    after the C call returns."""

    def __init__(self, function, bar, interrupt):
        self.function = function
        self.bar = bar
        self.interrupt = interrupt
        self.error = None
        self.losses = []
        self.pointer = TRAINING_PROGRESS_CALLBACK(self._call)

    def _call(self, epoch, epochs, window, windows, loss, _user):
        if self.interrupt.requested:
            return 1
        try:
            self.losses.append((int(epoch), float(loss)))
            if self.bar is not None:
                self.bar.update(int(epoch), int(epochs), int(window), int(windows), float(loss))
            if self.function is not None:
                keep_going = self.function(int(epoch), int(epochs), int(window), int(windows),
                                           float(loss))
                return 0 if keep_going is None or keep_going else 1
        except BaseException as error:  # noqa: BLE001 - re-raised after the C call returns
            self.error = error
            return 1
        return 0


class _Bar:
    """A progress bar over the windows of a call: tqdm when importable, otherwise one line on
    stderr rewritten at most a few times a second."""

    def __init__(self, description, unit):
        self.description = description
        self.unit = unit
        self.tqdm = None
        self.total = None
        self.done = 0
        self.last = 0.0
        self.text = ""
        self.shown = ""
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        self._tqdm_class = tqdm

    def update(self, epoch, epochs, window, windows, loss=None):
        done = epoch * windows + window + 1
        total = max(epochs * windows, 1)
        if self._tqdm_class is not None:
            if self.tqdm is None:
                self.tqdm = self._tqdm_class(total=total, desc=self.description, unit=self.unit)
            self.tqdm.update(done - self.done)
            if loss is not None:
                self.tqdm.set_postfix(epoch=f"{epoch + 1}/{epochs}", loss=f"{loss:.4g}",
                                      refresh=False)
        else:
            now = time.monotonic()
            self.text = f"{self.description}: {done}/{total} {self.unit}s"
            if loss is not None:
                self.text += f", epoch {epoch + 1}/{epochs}, loss {loss:.4g}"
            if now - self.last >= 0.2 or done == total:
                self.last = now
                self.shown = self.text
                sys.stderr.write("\r" + self.text)
                sys.stderr.flush()
        self.done = done

    def close(self):
        if self.tqdm is not None:
            self.tqdm.close()
        elif self.text:
            sys.stderr.write(("" if self.shown == self.text else "\r" + self.text) + "\n")
            sys.stderr.flush()


class SparseVARAutoencoder(HandleOwner):
    """Convolutional autoencoder with a sparse VAR on its latent dynamics (docs/method.md).

    Frames x_t in [0, 1] (minus the mean frame xbar with the skip connection) are encoded to
    latent maps z_t (K = latent_channels * H/2^depth * W/2^depth values); a sparse VAR(p) fitted
    by LARS-lasso forecasts z_t from z_{t-1..t-p}, and the decoder reconstructs the frame from the
    forecast. After training (``fit``), every run is analysed: its latents, its own VAR, its
    reconstruction error L_rec and the VAR's relative error R_var; runs are compared between
    groups (``swap_test``, ``influence_test``) and shown as ``contribution_map``.

    Parameters, all keywords (the library's parameter table: the defaults are the recipe measured
    on the synthetic data, docs/validation.md; the paper's differences are depth 3,
    learning_rate 1e-3 and encoder_slope 0.01; ``param_bounds(name)`` gives a parameter's bounds):
{parameters}

    Attributes after ``fit`` / ``analyze`` (runs in the dataset's order):
        coef_: (n_runs, p, K, K), ``coef_[i, k - 1, j, l]`` = A_k[j, l] of run i.
        l_rec_, r_var_: (n_runs,) reconstruction error and relative VAR error.
        influence_: (n_runs, K) influence vectors c_l = sum_k sum_{j != l} |A_k[j, l]|.
        latents_: list of (T_i, K) arrays.
        latent_mean_: (n_runs, K) the means removed before each run's VAR fit (zeros with
            ``intercept="none"``); forecasts are mean + sum_k A_k (z_{t-k} - mean).
        labels_: list of each run's label at the analysis: its condition name when the
            dataset was given string labels, else an int, or None. Condition names are saved
            in the model file: a loaded model has the same labels_.
        run_names_: list of each run's name (its source file when read by add_run_file or
            add_source), or None; saved in the model file.
        loss_history_: list of the window losses of every fit call so far.
        frame_shape_, latent_shape_ (channels, h, w), n_latents_ (K), depth_ (the depth built,
        chosen by the first fit when ``depth=0``), n_epochs_completed_.

    The model owns a C handle: free it with ``close()`` or a ``with`` block (otherwise it is
    freed with the object). Calls on one model are serialised by a lock.
    """

    def __init__(self, **params):
        unknown = [name for name in params if name not in _PARAMETERS]
        if unknown:
            raise TypeError(f"SparseVARAutoencoder() got an unexpected keyword argument {unknown[0]!r}; "
                            f"valid: {', '.join(_PARAMETERS)}")
        for name, parameter in _PARAMETERS.items():
            setattr(self, name, params.get(name, parameter.default))
        self._init_state()

    def _init_state(self):
        """The state of a model without a handle (before the first fit, or before load adopts one)."""
        self._lock = threading.RLock()
        self._handle = None
        self._finalizer = None
        self._closed = False
        self.dataset_ = None
        self.loss_history_ = []
        self._names = LabelNames()

    # -- scikit-learn protocol -------------------------------------------------------------------

    def get_params(self, deep=True):
        """The constructor parameters."""
        return {name: getattr(self, name) for name in _PARAMS}

    def set_params(self, **params):
        """Sets parameters. Once the model exists in the library (after the first ``fit``) each is
        passed to it at once, so an invalid value or an architecture change after training raises
        here and leaves the parameter as it was."""
        with self._lock:
            for name, value in params.items():
                if name not in _PARAMS:
                    raise argument_error(f"unknown parameter {name!r} for SparseVARAutoencoder; "
                                         f"valid: {', '.join(_PARAMS)}")
                if self._handle is not None:
                    self._set(self._handle, name, value)
                setattr(self, name, value)
        return self

    def _set(self, handle, name, value):
        try:
            lib.sparsevar_autoencoder_set_param(handle, _PARAMS[name], _PARAMETERS[name].number(value))
        except SparseVARError as error:
            # Name the Python parameter: the library's message names its C enum value.
            raise type(error)(error.code, error.errstr,
                              f"SparseVARAutoencoder({name}={value!r}): {error.message}") from None

    def _apply_parameters(self, handle):
        for name in _PARAMS:
            self._set(handle, name, getattr(self, name))

    @staticmethod
    def param_bounds(name):
        """(lower, upper, default) of a parameter as the library states them."""
        if name not in _PARAMS:
            raise argument_error(f"unknown parameter {name!r}")
        lower, upper, default = c_double(), c_double(), c_double()
        lib.sparsevar_autoencoder_param_bounds(_PARAMS[name], byref(lower), byref(upper), byref(default))
        return float(lower.value), float(upper.value), float(default.value)

    # -- lifetime ----------------------------------------------------------------------------------

    def close(self):
        """Frees the C handle now (idempotent). Attributes read so far stay readable."""
        with self._lock:
            super().close()
            self._closed = True
            self.dataset_ = None

    @property
    def closed(self) -> bool:
        return self._closed

    def __reduce__(self):
        raise TypeError("a SparseVARAutoencoder owns a C handle and cannot be pickled; use "
                        "save(path) and SparseVARAutoencoder.load(path)")

    def _adopt(self, handle):
        self._own(handle, _free_model)

    def _live_handle(self):
        if self._closed:
            raise ValueError("this SparseVARAutoencoder has been closed")
        if self._handle is None:
            raise _not_fitted("the model has not been trained yet: call fit first")
        return self._handle

    # -- training ---------------------------------------------------------------------------------

    def fit(self, X, labels=None, progress=True, analyze=True):
        """Trains the model for ``epochs`` epochs (further epochs when called again), then, with
        ``analyze=True``, analyses every run of the same dataset.

        Args:
            X: a FrameDataset, or a sequence of runs, each a (T_i, H, W) array (a dataset without
                preprocessing is then built; pass a FrameDataset for crop / downscale).
            labels: with a sequence of runs, one label per run: a condition name (str), an
                int, or None. Names are mapped to integer labels (``FrameDataset.label_names``)
                and every method taking a group accepts the name.
            progress: True = a progress bar (tqdm when installed, else a line on stderr),
                False / None = quiet, or a callable ``progress(epoch, epochs, window, windows,
                loss)`` called after every window (returning False cancels: CancelledError;
                the weights trained so far are kept, see ``n_epochs_completed_``). Ctrl-C stops
                training the same way and raises KeyboardInterrupt.
            analyze: run ``analyze`` on the dataset after training.

        Returns:
            self.
        """
        dataset = self._dataset(X, labels)
        with self._lock:
            if self._closed:
                raise ValueError("this SparseVARAutoencoder has been closed")
            if self._handle is None:
                h, w = dataset.frame_shape
                handle = c_void_p()
                lib.sparsevar_autoencoder_create(byref(handle), h, w)
                self._adopt(handle)
            handle = self._handle
            self._apply_parameters(handle)
            callable_ = progress if callable(progress) else None
            bar = _Bar("training", "window") if progress is True else None
            with interruptible() as interrupt:
                callback = _TrainingProgress(callable_, bar, interrupt)
                try:
                    with dataset._using() as data:
                        lib.sparsevar_autoencoder_train(handle, data, callback.pointer, None)
                except CancelledError:
                    if callback.error is None:
                        raise
                finally:
                    if bar is not None:
                        bar.close()
                    self.loss_history_.extend(loss for _, loss in callback.losses)
                    self._read_state()
            if callback.error is not None:
                error, callback.error = callback.error, None
                raise error
            self.dataset_ = dataset
            if analyze:
                self.analyze(dataset, progress=progress is True)
        return self

    def _dataset(self, X, labels):
        if isinstance(X, FrameDataset):
            if labels is not None:
                raise argument_error("labels are given with a list of runs; a FrameDataset has "
                                     "its own (FrameDataset.set_label)")
            return X
        if isinstance(X, np.ndarray) and X.ndim == 3:
            X = [X]
        return FrameDataset.from_runs(X, labels)

    def _read_state(self):
        trained, epochs = c_int32(), c_int64()
        lib.sparsevar_autoencoder_training_state(self._handle, byref(trained), byref(epochs))
        self.n_epochs_completed_ = int(epochs.value)
        self._trained = bool(trained.value)
        h, w = c_int64(), c_int64()
        lib.sparsevar_autoencoder_shape(self._handle, byref(h), byref(w))
        self.frame_shape_ = (int(h.value), int(w.value))
        c, lh, lw = c_int64(), c_int64(), c_int64()
        try:
            lib.sparsevar_autoencoder_latent_shape(self._handle, byref(c), byref(lh), byref(lw))
        except SparseVARError:  # no network yet (automatic depth, or a frame size it does not suit)
            self.latent_shape_, self.n_latents_, self.depth_ = None, None, None
            return
        self.latent_shape_ = (int(c.value), int(lh.value), int(lw.value))
        self.n_latents_ = int(c.value * lh.value * lw.value)
        self.depth_ = (self.frame_shape_[0] // self.latent_shape_[1]).bit_length() - 1

    # -- analysis ---------------------------------------------------------------------------------

    def analyze(self, X=None, labels=None, progress=False):
        """Analyses every run of a dataset (default: the one of the last ``fit``): its latents,
        its own VAR (with the current p, alpha, eps_gamma, intercept), L_rec and R_var,
        and its label.
        Replaces the previous analysis (kept on error).

        Args:
            X, labels: as ``fit``.
            progress: True for a progress bar, or a callable ``progress(done, total)`` (False
                cancels).

        Returns:
            self.
        """
        dataset = self.dataset_ if X is None else self._dataset(X, labels)
        if dataset is None:
            raise _not_fitted("the model has not been trained yet: call fit first")
        with self._using() as handle, interruptible() as interrupt:
            bar = _Bar("analysis", "run") if progress is True else None
            error = []

            def forward(done, total, _user):
                if interrupt.requested:
                    return 1
                try:
                    if bar is not None:
                        bar.update(0, 1, int(done) - 1, int(total))
                    if callable(progress):
                        keep_going = progress(int(done), int(total))
                        return 0 if keep_going is None or keep_going else 1
                except BaseException as exc:  # noqa: BLE001 - re-raised below
                    error.append(exc)
                    return 1
                return 0

            pointer = PROGRESS_CALLBACK(forward)
            try:
                with dataset._using() as data:
                    lib.sparsevar_autoencoder_analyze(handle, data, pointer, None)
            except CancelledError:
                if not error:
                    raise
            finally:
                if bar is not None:
                    bar.close()
            if error:
                raise error[0]
            self._names = dataset._names.copy()
            self._read_analysis(handle)
        return self

    def _read_analysis(self, handle):
        n_runs, k, p = c_int64(), c_int64(), c_int64()
        lib.sparsevar_autoencoder_analysis_shape(handle, byref(n_runs), byref(k), byref(p))
        n_runs, k, p = int(n_runs.value), int(k.value), int(p.value)
        coef = np.empty((n_runs, p, k, k), dtype=np.float64)
        influence = np.empty((n_runs, k), dtype=np.float64)
        latent_mean = np.empty((n_runs, k), dtype=np.float64)
        l_rec = np.empty(n_runs, dtype=np.float64)
        r_var = np.empty(n_runs, dtype=np.float64)
        latents, labels, names = [], [], []
        for i in range(n_runs):
            lib.sparsevar_autoencoder_run_coef(handle, i, f64_ptr(coef[i]), coef[i].size)
            lib.sparsevar_autoencoder_run_influence(handle, i, f64_ptr(influence[i]), k)
            lib.sparsevar_autoencoder_run_latent_mean(handle, i, f64_ptr(latent_mean[i]), k)
            a, b = c_double(), c_double()
            lib.sparsevar_autoencoder_run_metrics(handle, i, byref(a), byref(b))
            l_rec[i], r_var[i] = a.value, b.value
            t = c_int64()
            lib.sparsevar_autoencoder_run_length(handle, i, byref(t))
            z = np.empty((int(t.value), k), dtype=np.float64)
            lib.sparsevar_autoencoder_run_latents(handle, i, f64_ptr(z), z.size)
            latents.append(z)
            label, has = c_int32(), c_int32()
            lib.sparsevar_autoencoder_run_label(handle, i, byref(label), byref(has))
            if has.value:  # the condition name the model keeps (and saves) for the label
                name = read_name(lib.sparsevar_autoencoder_condition_name, handle, label.value)
                if name is not None:
                    self._names.add(name, label.value)
            labels.append(self._names.name_of(int(label.value)) if has.value else None)
            names.append(read_name(lib.sparsevar_autoencoder_run_name, handle, i))
        self.coef_ = coef
        self.influence_ = influence
        self.latent_mean_ = latent_mean
        self.l_rec_ = l_rec
        self.r_var_ = r_var
        self.latents_ = latents
        self.labels_ = labels
        self.run_names_ = names
        self.n_runs_ = n_runs
        self.n_lags_ = p

    # -- tests and maps -----------------------------------------------------------------------------

    def swap_test(self, group_a, group_b) -> GroupTestOutcome:
        """Coefficient-swap test between the analysed runs labelled `group_a` and `group_b`
        (test parameters: test_method, permutations, test_seed, exact_limit)."""
        return self._test(lib.sparsevar_autoencoder_swap_test, group_a, group_b)

    def influence_test(self, group_a, group_b) -> GroupTestOutcome:
        """Influence-distance test between the analysed runs labelled `group_a` and `group_b`."""
        return self._test(lib.sparsevar_autoencoder_influence_test, group_a, group_b)

    def _label(self, label) -> int:
        """The integer label of a group given by its condition name or its integer label."""
        if isinstance(label, (str, np.str_)):
            return self._names.id_for(label)[0]
        return _label(label)

    def _test(self, function, group_a, group_b):
        a, b = self._label(group_a), self._label(group_b)
        result = c_void_p()
        with self._using() as handle:
            for name in ("test_method", "permutations", "test_seed", "exact_limit", "n_threads"):
                self._set(handle, name, getattr(self, name))
            function(byref(result), handle, a, b)
        return read_test_result(result)

    def contribution_map(self, run=None, label=None, difference=None, gain=1.0) -> np.ndarray:
        """A contribution map, (height, width) float32 in normalised image units: of one analysed
        run (``run=i``), the mean over the runs labelled ``label``, or the difference of two
        groups' maps (``difference=(a, b)``: map of a minus map of b). Exactly one of the three.
        ``gain`` is gamma_viz, the factor on the influence vector (before decoding with the
        decoder read-out); ``map_readout`` says how the map is read out."""
        given = [x is not None for x in (run, label, difference)]
        if sum(given) != 1:
            raise argument_error("give exactly one of run=, label= and difference=(a, b)")
        try:
            gain = float(gain)
        except (TypeError, ValueError):
            raise argument_error(f"gain must be a number, got {gain!r}") from None
        with self._using() as handle:
            h, w = self.frame_shape_
            out = np.empty((h, w), dtype=np.float32)
            if run is not None:
                if isinstance(run, bool) or not isinstance(run, (int, np.integer)):
                    raise argument_error(f"run must be an integer, got {run!r}")
                lib.sparsevar_autoencoder_contribution_map(handle, int(run), gain, f32_ptr(out), out.size)
            elif label is not None:
                lib.sparsevar_autoencoder_group_map(handle, self._label(label), gain, f32_ptr(out),
                                              out.size)
            else:
                try:
                    a, b = difference
                except (TypeError, ValueError):
                    raise argument_error(
                        f"difference must be a pair of labels (a, b), got {difference!r}") from None
                lib.sparsevar_autoencoder_difference_map(handle, self._label(a), self._label(b), gain,
                                                   f32_ptr(out), out.size)
        return out

    def encode(self, frames, value_range=None) -> np.ndarray:
        """Latents (count, K) of frames (count, height, width) or one (height, width) frame at
        the model's frame size.

        The encoder takes frames normalised to [0, 1] as ``FrameDataset.frames`` gives them.
        Raw frames (integer counts, e.g. uint16) are normalised here as the training data were,
        (x - low) / (high - low): ``value_range=(low, high)`` in raw units, by default the range
        of the dataset the model was fitted or analysed on (``dataset_.range``); a loaded model
        has no dataset, so raw frames need ``value_range``. Float frames without
        ``value_range`` are taken as normalised, and refused (InvalidArgumentError) when they lie
        far outside [0, 1] (below -1 or above 2), as raw units would.
        """
        array = _frames_array(frames)
        raw = array.dtype == np.uint16 or np.issubdtype(np.asarray(frames).dtype, np.integer)
        if value_range is not None or raw:
            low, high = self._value_range(value_range)
            array = ((array.astype(np.float64) - low) / (high - low)).astype(np.float32)
        elif (array.size and np.isfinite(array).all()  # non-finite: the library's error
              and (array.min() < -1.0 or array.max() > 2.0)):
            raise argument_error(
                f"frames range over [{array.min():.6g}, {array.max():.6g}]: encode takes frames "
                f"normalised to [0, 1] as FrameDataset.frames gives them; for raw frames pass "
                f"value_range=(low, high), the raw range of the training data "
                f"(FrameDataset.range)")
        with self._using() as handle:
            out = np.empty((array.shape[0], self.n_latents_), dtype=np.float64)
            if array.dtype == np.float32:
                lib.sparsevar_autoencoder_encode_f32(handle, f32_ptr(array), *array.shape,
                                               f64_ptr(out), out.size)
            else:
                lib.sparsevar_autoencoder_encode_f64(handle, f64_ptr(array), *array.shape,
                                               f64_ptr(out), out.size)
        return out

    def _value_range(self, value_range):
        """(low, high) of the raw units: `value_range`, else the model's dataset's range."""
        if value_range is None:
            if self.dataset_ is None:
                raise argument_error(
                    "raw (integer) frames need the normalisation of the training data, and this "
                    "model has no dataset (it was loaded): pass value_range=(low, high), the raw "
                    "range FrameDataset.range gave for the training data, or frames normalised "
                    "to [0, 1]")
            return self.dataset_.range
        try:
            low, high = (float(v) for v in value_range)
        except (TypeError, ValueError):
            raise argument_error(
                f"value_range must be a pair (low, high), got {value_range!r}") from None
        if not (np.isfinite(low) and np.isfinite(high) and high > low):
            raise argument_error(f"value_range must be finite with high > low, got {value_range!r}")
        return low, high

    def score(self, X=None, labels=None) -> float:
        """Minus the reconstruction error, higher being better as scikit-learn's ``score``: the
        mean over the forecast frames of all runs (t = p+1..T of each) and pixels of
        (x_t - xhat_t)^2 in normalised units, i.e. minus the mean of ``l_rec_`` weighted by
        each run's T - p. Without X, of the current analysis; with X (as ``fit``), of those runs,
        analysed by a copy of the model so that this model's analysis is kept."""
        if X is None:
            with self._lock:
                if getattr(self, "l_rec_", None) is None:
                    raise _not_fitted("no analysis to score: call fit or analyze, or pass X")
                return self._score_of(self)
        dataset = self._dataset(X, labels)
        with self._using() as handle, tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.svnet")
            self._apply_parameters(handle)
            lib.sparsevar_autoencoder_save(handle, os.fsencode(path))
            copy = SparseVARAutoencoder.load(path)
        with copy:
            copy.set_params(n_threads=self.n_threads)
            copy.analyze(dataset)
            return self._score_of(copy)

    @staticmethod
    def _score_of(model):
        weights = np.array([len(z) - model.n_lags_ for z in model.latents_], dtype=np.float64)
        return float(-np.sum(weights * model.l_rec_) / np.sum(weights))

    # -- persistence ----------------------------------------------------------------------------------

    def save(self, path):
        """Saves the trained model (architecture, parameters, weights, mean frame and analysis;
        not the test parameters) to `path`."""
        with self._using() as handle:
            self._apply_parameters(handle)
            lib.sparsevar_autoencoder_save(handle, os.fsencode(path))

    @classmethod
    def load(cls, path):
        """A model saved by ``save``: trained, with its analysis (if any) readable at once."""
        handle = c_void_p()
        lib.sparsevar_autoencoder_load(byref(handle), os.fsencode(path))
        model = cls.__new__(cls)
        model._init_state()
        model._adopt(handle)
        for name in _PARAMS:
            value = c_double()
            lib.sparsevar_autoencoder_get_param(handle, _PARAMS[name], byref(value))
            setattr(model, name, _PARAMETERS[name].value(value.value))
        model._read_state()
        try:
            model._read_analysis(handle)
        except SparseVARError as error:
            if error.code != -4:  # not analysed: no per-run attributes
                raise
        return model

    # -- repr ---------------------------------------------------------------------------------------

    def __repr__(self):
        shown = []
        for name in _PARAMS:
            value, default = getattr(self, name), _PARAMETERS[name].default
            if value is not default and value != default:
                shown.append(f"{name}={value!r}")
        text = f"SparseVARAutoencoder({', '.join(shown)})"
        if self._closed:
            return text + " [closed]"
        if self._handle is None:
            return text
        state = [f"{self.frame_shape_[0]}x{self.frame_shape_[1]} frames",
                 f"K={self.n_latents_}", f"{self.n_epochs_completed_} epochs trained"]
        if getattr(self, "coef_", None) is not None:
            state.append(f"{self.n_runs_} runs analysed")
        return text + f" [{', '.join(state)}]"


def _not_fitted(message):
    from ._lib import E_NOT_FITTED, error_for_code

    return error_for_code(E_NOT_FITTED, message)


SparseVARAutoencoder.__doc__ = SparseVARAutoencoder.__doc__.replace("{parameters}", docstring(_PARAMETERS))
SparseVARAutoencoder.__init__.__signature__ = signature(_PARAMETERS)
