"""Concurrency (distinct handles from distinct threads) and cancellation by the progress
callback."""

import threading

import numpy as np
import pytest

import sparsevar
from _support import simulate_var

THREADS = 8


def _series(seed, T=400, K=24, p=3):
    return simulate_var(np.random.default_rng(seed), T, K, p, density=0.15)[1]


def _fit(z, n_threads, **params):
    with sparsevar.SparseVARModel(p=3, alpha=0.01, n_threads=n_threads, **params) as model:
        model.fit(z)
        return model.coef_.copy(), model.predict(z)


@pytest.mark.parametrize("n_threads", [1, 0])
def test_parallel_fits_are_bit_identical_to_serial_fits(n_threads):
    series = [_series(seed) for seed in range(THREADS)]
    serial = [_fit(z, n_threads) for z in series]
    results = [None] * THREADS
    errors = []
    barrier = threading.Barrier(THREADS)

    def work(i):
        try:
            barrier.wait()
            for _ in range(2):
                results[i] = _fit(series[i], n_threads)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for (coef, forecast), (coef_serial, forecast_serial) in zip(results, serial):
        np.testing.assert_array_equal(coef, coef_serial)
        np.testing.assert_array_equal(forecast, forecast_serial)


def test_parallel_lasso_calls_are_bit_identical():
    rng = np.random.default_rng(5)
    problems = [(rng.standard_normal((200, 60)), rng.standard_normal(200)) for _ in range(THREADS)]
    serial = [sparsevar.lasso_lars(X, y, 0.01) for X, y in problems]
    results = [None] * THREADS

    def work(i):
        for _ in range(3):
            results[i] = sparsevar.lasso_lars(*problems[i], 0.01)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result, expected in zip(results, serial):
        np.testing.assert_array_equal(result, expected)


def test_one_object_shared_by_threads_is_serialised():
    z = _series(99, K=8)
    model = sparsevar.SparseVARModel(p=2, alpha=0.02).fit(z)
    expected = model.predict(z)
    out = []

    def work():
        for _ in range(20):
            out.append(model.predict(z))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(out) == 80
    for forecast in out:
        np.testing.assert_array_equal(forecast, expected)


def test_progress_reports_every_batch():
    z = _series(1, K=40, T=200, p=1)
    calls = []
    sparsevar.SparseVARModel(p=1).fit(z, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (40, 40)
    assert all(total == 40 for _, total in calls)
    assert [done for done, _ in calls] == sorted({done for done, _ in calls})


@pytest.mark.parametrize("answer", [False, 0])
def test_cancellation_raises_and_keeps_the_previous_fit(answer):
    z = _series(2, K=40, T=200, p=1)
    model = sparsevar.SparseVARModel(p=1, alpha=0.05).fit(z)
    coef, alphas = model.coef_.copy(), model.alphas_.copy()
    calls = []

    def progress(done, total):
        calls.append(done)
        return answer if len(calls) == 2 else True

    model.set_params(alpha=0.2, p=2)
    with pytest.raises(sparsevar.CancelledError, match="cancelled"):
        model.fit(z, progress=progress)
    assert len(calls) == 2 and calls[1] < 40
    np.testing.assert_array_equal(model.coef_, coef)
    np.testing.assert_array_equal(model.alphas_, alphas)
    np.testing.assert_array_equal(model._coef_from_handle(), coef)
    # A later fit without cancelling works and uses the new parameters.
    model.fit(z, progress=lambda done, total: None)
    assert model.coef_.shape == (2, 40, 40)


def test_exception_in_progress_cancels_and_is_reraised():
    z = _series(3, K=16, T=150, p=1)
    model = sparsevar.SparseVARModel(p=1).fit(z)
    coef = model.coef_.copy()

    class Stop(Exception):
        pass

    def progress(done, total):
        raise Stop(f"stop at {done}/{total}")

    with pytest.raises(Stop, match="stop at"):
        model.fit(z[::-1], progress=progress)
    np.testing.assert_array_equal(model.coef_, coef)
    np.testing.assert_array_equal(model._coef_from_handle(), coef)

    with pytest.raises(KeyboardInterrupt):
        model.fit(z[::-1], progress=lambda done, total: (_ for _ in ()).throw(KeyboardInterrupt))
    np.testing.assert_array_equal(model._coef_from_handle(), coef)
