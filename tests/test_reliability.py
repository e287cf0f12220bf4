"""The reliability suite (SPEC section 5, issue 6), shared by every estimator and
every kind of input it takes: bad input, failures mid-fit, interrupts, threads,
and the caller's arrays left untouched.

Each case builds a tiny estimator and its data; every test runs over all cases.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skdeep import (
    CNNClassifier,
    DenseClassifier,
    DenseRegressor,
    KerasClassifier,
    KerasRegressor,
    ModelBuilder,
    SequenceClassifier,
)
from skdeep.exceptions import (
    InvalidParameterError,
    TrainingDivergedError,
    TrainingInterruptedWarning,
)

pytestmark = pytest.mark.timeout(900)


def mlp(input_shape, n_outputs, output_activation, units=8):
    from skdeep._keras import get_keras

    keras = get_keras()
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs) if len(input_shape) > 1 else inputs
    x = keras.layers.Dense(units, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(n_outputs, output_activation)(x))


@dataclass
class Case:
    """A tiny estimator and its data, for one kind of input."""

    name: str
    cls: type
    base: dict
    X: callable  # n -> X (numeric unless text)
    wrong_shape: callable  # X -> X of a shape the fitted model cannot take
    bad_params: list = field(default_factory=list)
    numeric: bool = True
    classifier: bool = True
    # Whether huge inputs overflow the network (not so where inputs are
    # normalised or squashed); otherwise an absurd step size makes it diverge.
    overflows: bool = True

    def make(self, **kw):
        return self.cls(**{**self.base, **kw})

    def y(self, n):
        return np.arange(n) % 2 if self.classifier else np.linspace(-1, 1, n)


RNG = np.random.RandomState(0)
WORDS = np.array(["good", "bad", "fine", "awful", "great", "poor", "ok", "meh"])


def texts(n):
    return np.array([" ".join(RNG.choice(WORDS, size=4)) for _ in range(n)])


SEQUENCE = {"units": (8,), "embedding_dim": 8, "epochs": 3}

CASES = [
    Case(
        "dense-classifier",
        DenseClassifier,
        {"hidden_layer_sizes": (8,), "epochs": 5},
        lambda n: RNG.normal(size=(n, 4)),
        lambda X: X[:, :3],
        [("dropout", 1.5), ("activation", "nope"), ("hidden_layer_sizes", (0,))],
    ),
    Case(
        "dense-regressor",
        DenseRegressor,
        {"hidden_layer_sizes": (8,), "epochs": 5},
        lambda n: RNG.normal(size=(n, 4)),
        lambda X: X[:, :3],
        [("l2", -1.0), ("scale_target", "yes")],
        classifier=False,
    ),
    Case(
        "cnn-images",
        CNNClassifier,
        {"filters": (4,), "dense_layer_sizes": (8,), "epochs": 3, "batch_size": 16},
        lambda n: RNG.rand(n, 8, 8, 1),
        lambda X: X[:, :6, :6],
        [("filters", (0,)), ("pooling", "median"), ("padding", "wide")],
    ),
    Case(
        "cnn-flat-with-image-shape",
        CNNClassifier,
        {
            "filters": (4,),
            "dense_layer_sizes": (8,),
            "epochs": 3,
            "image_shape": (6, 6, 1),
        },
        lambda n: RNG.rand(n, 36),
        lambda X: X[:, :30],
        [("image_shape", (6, -6, 1)), ("kernel_size", 0)],
    ),
    Case(
        "sequence-series",
        SequenceClassifier,
        {**SEQUENCE, "cell": "gru"},
        lambda n: RNG.normal(size=(n, 10, 2)),
        lambda X: X[:, :, :1],
        [("cell", "transformer"), ("units", (0,)), ("pooling", "median")],
        overflows=False,
    ),
    Case(
        "sequence-flat-series",
        SequenceClassifier,
        {**SEQUENCE, "sequence_shape": (5, 2)},
        lambda n: RNG.normal(size=(n, 10)),
        lambda X: X[:, :8],
        [("sequence_shape", (5, 0)), ("bidirectional", "yes")],
        overflows=False,
    ),
    Case(
        "sequence-tokens",
        SequenceClassifier,
        {**SEQUENCE, "max_tokens": 50},
        lambda n: RNG.randint(1, 50, size=(n, 7)),
        lambda X: X[:, :, None].astype(float),
        [("embedding_dim", 0), ("maxlen", -1)],
        numeric=False,
    ),
    Case(
        "sequence-text",
        SequenceClassifier,
        {**SEQUENCE, "max_tokens": 50, "maxlen": 6},
        texts,
        lambda X: np.stack([X, X], axis=1),
        [("max_tokens", 1), ("input_kind", "audio")],
        numeric=False,
    ),
    Case(
        "keras-classifier",
        KerasClassifier,
        {"model": ModelBuilder(mlp, units=8), "epochs": 5},
        lambda n: RNG.normal(size=(n, 4)),
        lambda X: X[:, :3],
        [("epochs", 0), ("optimizer", "nope")],
        # A user's model ends in probabilities, whose cross-entropy Keras
        # clips (TensorFlow alone recovers the logits): in float64, huge
        # inputs give a bounded loss on JAX and PyTorch. A step size that
        # overflows float32 diverges on every backend.
        overflows=False,
    ),
    Case(
        "keras-regressor",
        KerasRegressor,
        {"model": mlp, "epochs": 5},
        lambda n: RNG.normal(size=(n, 4)),
        lambda X: X[:, :3],
        [("learning_rate", 0.0), ("model", 3)],
        classifier=False,
    ),
]


@pytest.fixture(params=CASES, ids=lambda c: c.name)
def case(request):
    return request.param


def cases(predicate):
    """Parametrize over the cases where a check applies (no skipped tests)."""
    chosen = [c for c in CASES if predicate(c)]
    return pytest.mark.parametrize("case", chosen, ids=[c.name for c in chosen])


def _fit(case, n=40, **kw):
    X, y = case.X(n), case.y(n)
    return case.make(random_state=0, **kw).fit(X, y), X, y


# -- bad input -------------------------------------------------------------


@cases(lambda c: c.numeric)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_X(case, bad):
    X, y = case.X(30), case.y(30)
    X = X.astype(float)
    X.reshape(len(X), -1)[2, 0] = bad
    with pytest.raises(ValueError, match=r"Input X contains (NaN|infinity)"):
        case.make().fit(X, y)


def test_nan_in_y(case):
    X, y = case.X(30), case.y(30).astype(float)
    y[3] = np.nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        case.make().fit(X, y)


def test_wrong_shape_at_predict_says_expected_and_got(case):
    est, X, _ = _fit(case)
    with pytest.raises(ValueError, match=r"(?i)expect|fitted on") as err:
        est.predict(case.wrong_shape(X))
    assert "Traceback" not in str(err.value)


def test_empty_and_mismatched_input(case):
    X, y = case.X(30), case.y(30)
    with pytest.raises(ValueError, match=r"0 sample"):
        case.make().fit(X[:0], y[:0])
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples"):
        case.make().fit(X, y[:-1])


@cases(lambda c: c.classifier)
def test_one_class(case):
    X = case.X(20)
    with pytest.raises(ValueError, match="one class"):
        case.make().fit(X, np.zeros(20, dtype=int))


@cases(lambda c: c.numeric)
def test_non_numeric_strings_where_numbers_belong(case):
    X, y = case.X(20), case.y(20)
    X = X.astype(object)
    X.reshape(len(X), -1)[0, 0] = "abc"
    with pytest.raises((ValueError, TypeError), match=r"(?i)convert|string|number"):
        case.make().fit(X, y)


@pytest.mark.parametrize(
    "weights, match",
    [(np.ones(29), "sample_weight"), (-np.ones(30), "(?i)negative")],
)
def test_bad_sample_weight(case, weights, match):
    X, y = case.X(30), case.y(30)
    with pytest.raises(ValueError, match=match):
        case.make().fit(X, y, sample_weight=weights)


def test_invalid_parameters_in_constructor_and_set_params(case):
    X, y = case.X(20), case.y(20)
    for param, value in case.bad_params:
        for est in (
            case.make(**{param: value}),
            case.make().set_params(**{param: value}),
        ):
            with pytest.raises((InvalidParameterError, ValueError, TypeError)) as err:
                est.fit(X, y)
            assert param in str(err.value), (param, str(err.value))


# -- failures mid-fit ------------------------------------------------------


@cases(lambda c: c.numeric)
def test_nan_loss_leaves_estimator_unfitted_or_as_before(case):
    if not case.overflows:
        # In float32 this step size overflows to inf: the first update makes
        # the weights infinite and the loss NaN, whatever the initial weights.
        # (In float64 a network ending in softmax probabilities can instead
        # saturate at the clipped cross-entropy, a finite loss.)
        X, y = case.X(40).astype(np.float32), case.y(40)
        est = case.make(optimizer="sgd", learning_rate=1e300)
        with pytest.raises(TrainingDivergedError, match="loss became"):
            est.fit(X, y)
        with pytest.raises(NotFittedError):
            est.predict(X)
        return
    X, y = case.X(40), case.y(40)
    huge = X * 1e300
    est = case.make()
    with pytest.raises(TrainingDivergedError, match="loss became"):
        est.fit(huge, y)
    with pytest.raises(NotFittedError):
        est.predict(X)
    est = case.make(warm_start=True, random_state=0).fit(X, y)
    before = est.predict(X)
    weights = [w.copy() for w in est.model_.get_weights()]
    n_iter = est.n_iter_
    with pytest.raises(TrainingDivergedError):
        est.fit(huge, y)
    for a, b in zip(weights, est.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert est.n_iter_ == n_iter
    np.testing.assert_array_equal(est.predict(X), before)


def test_keyboard_interrupt_keeps_the_model_so_far(case):
    from skdeep._keras import get_keras

    keras = get_keras()

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    X, y = case.X(30), case.y(30)
    est = case.make(callbacks=[Interrupt()]).set_params(epochs=20)
    with (
        pytest.raises(KeyboardInterrupt),
        pytest.warns(TrainingInterruptedWarning, match="interrupted"),
    ):
        est.fit(X, y)
    assert est.n_iter_ == len(est.history_["loss"]) == 1
    assert est.predict(X).shape[0] == len(X)


# -- inputs untouched, threads ---------------------------------------------


def test_inputs_are_never_modified(case):
    X, y = case.X(30), case.y(30)
    w = np.linspace(0.5, 2.0, 30)
    before = [X.tobytes(), y.tobytes(), w.tobytes()]
    est = case.make(random_state=0).fit(X, y, sample_weight=w)
    est.predict(X)
    if hasattr(est, "predict_proba"):
        est.predict_proba(X)
    est.partial_fit(X, y, sample_weight=w)
    assert [X.tobytes(), y.tobytes(), w.tobytes()] == before


def test_predict_from_eight_threads_matches_serial(case):
    est, X, _ = _fit(case, n=60)
    method = est.predict_proba if hasattr(est, "predict_proba") else est.predict
    batches = [
        X[i : i + k]
        for i, k in zip(range(0, 56, 7), [1, 2, 7, 3, 5, 7, 4, 6], strict=True)
    ]
    serial = [method(b) for b in batches]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(method, batches))
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a, b)


ESTIMATOR_CLASSES = sorted({c.cls for c in CASES}, key=lambda c: c.__name__)


@pytest.mark.parametrize("cls", ESTIMATOR_CLASSES, ids=lambda c: c.__name__)
def test_every_constrained_parameter_rejects_nonsense(cls):
    """Each parameter with constraints refuses an arbitrary object, through the
    constructor and through set_params, naming the parameter."""
    case = next(c for c in CASES if c.cls is cls)
    X, y = case.X(10), case.y(10)
    nonsense = object()
    for param in cls._parameter_constraints:
        for est in (
            case.make(**{param: nonsense}),
            case.make().set_params(**{param: nonsense}),
        ):
            with pytest.raises((ValueError, TypeError)) as err:
                est.fit(X, y)
            assert f"'{param}'" in str(err.value) or param in str(err.value), param
