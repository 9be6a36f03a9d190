"""S53-S57: the portrait credit push model, a small recurrent network in Keras 3 on JAX (CPU).

Keras is imported when a model is built, not when the pipeline is registered, so that the
backend is chosen here (JAX) and no other module pays for the import."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from customer_classification.pipelines.portrait_push.params import PushModelParams

BACKEND = "jax"


def _keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", BACKEND)
    import keras  # noqa: PLC0415 - imported on first use: the backend is set just above, and only a run that fits or pushes pays for it

    if keras.backend.backend() != BACKEND:
        raise RuntimeError(
            f"the push model runs Keras on {BACKEND}, but Keras was loaded with {keras.backend.backend()!r} "
            f"(KERAS_BACKEND={os.environ.get('KERAS_BACKEND')!r}); unset KERAS_BACKEND or set it to {BACKEND}"
        )
    return keras


def _network(n_static: int, months: int, n_monthly: int, n_products: int, params: PushModelParams) -> Any:
    keras = _keras()
    layers = keras.layers
    evaluation = keras.Input((n_static,), name="weighted_evaluation_data")
    sequence = keras.Input((months, n_monthly), name="monthly_sequence")
    # S53: neurons built from the standardised evaluation data (already weighted by the feedback, S54)
    neurons = layers.Dense(params.units, activation="relu", name="evaluation_neurons")(evaluation)
    # S56: the recurrent network over the customer's months
    recurrent = layers.GRU(params.units, name="monthly_recurrence")(sequence)
    joined = layers.Concatenate(name="joined")([neurons, recurrent])
    # S55: the softmax output, one probability per credit product service
    output = layers.Dense(n_products, activation="softmax", name="product_softmax")(joined)
    model = keras.Model([evaluation, sequence], output, name="portrait_credit_push")
    model.compile(optimizer=keras.optimizers.Adam(params.learning_rate), loss="sparse_categorical_crossentropy")
    return model


@dataclass
class PushModel:
    """The network's shape, settings and fitted weights (plain data: the artefact pickles without
    Keras, byte for byte the same on a rerun)."""

    n_static: int
    months: int
    n_monthly: int
    products: list[str]
    settings: dict[str, Any]
    weights: list[np.ndarray] = field(default_factory=list)
    history: list[float] = field(default_factory=list)

    @property
    def params(self) -> PushModelParams:
        return PushModelParams.model_validate(self.settings)

    def fit(
        self, evaluation: np.ndarray, sequence: np.ndarray, target: np.ndarray, sample_weight: np.ndarray, seed: int
    ) -> PushModel:
        """S56: Adam on the softmax's cross-entropy; a seeded sample of ``max_training_rows`` at most."""
        keras = _keras()
        keras.utils.set_random_seed(seed)
        if len(target) > self.params.max_training_rows:
            keep = np.sort(
                np.random.default_rng(seed).choice(len(target), self.params.max_training_rows, replace=False)
            )
            evaluation, sequence, target, sample_weight = (
                a[keep] for a in (evaluation, sequence, target, sample_weight)
            )
        model = _network(self.n_static, self.months, self.n_monthly, len(self.products), self.params)
        fitted = model.fit(
            [evaluation.astype(np.float32), sequence.astype(np.float32)],
            target,
            sample_weight=sample_weight.astype(np.float32),
            epochs=self.params.epochs,
            batch_size=self.params.batch_size,
            shuffle=True,
            verbose=0,
        )
        self.weights = [np.asarray(w) for w in model.get_weights()]
        self.history = [float(v) for v in fitted.history["loss"]]
        return self

    def predict(self, evaluation: np.ndarray, sequence: np.ndarray) -> np.ndarray:
        """S57: rows x products, the probability of each credit product service; in batches."""
        if not self.weights:
            raise ValueError("the push model is not fitted")
        model = _network(self.n_static, self.months, self.n_monthly, len(self.products), self.params)
        model.set_weights(self.weights)
        size = self.params.prediction_batch
        parts = [
            model.predict_on_batch(
                [evaluation[i : i + size].astype(np.float32), sequence[i : i + size].astype(np.float32)]
            )
            for i in range(0, len(evaluation), size)
        ]
        return np.concatenate([np.asarray(p) for p in parts]) if parts else np.zeros((0, len(self.products)))
