"""Task-agnostic model selection shared by the model pipelines (M1 ``potential_model``, M2 ``loan_demand``).

A model pipeline declares a :class:`~.spec.ModelSpec` (which table columns are the id, the
snapshot, the target, the population and the features) and a :class:`~.spec.StudySpec` (the
Optuna search over model families). The pieces:

* :mod:`.table`: assembles features and labels into one pandas frame with an out-of-time
  ``split`` column, and :class:`~.table.FeatureEncoder` (fixed column order and categories);
* :mod:`.families`: the model families (LightGBM and baselines) with their search spaces;
* :mod:`.study`: one Optuna study over the families, with pruning and early stopping;
* :mod:`.calibration`: isotonic or sigmoid calibration, chosen on validation;
* :mod:`.fitted`: :class:`~.fitted.FittedModel`, what is persisted and what scoring needs;
* :mod:`.metrics`, :mod:`.tiers`, :mod:`.reasons`: evaluation, tiers, reason codes;
* :mod:`.decisions`, :mod:`.params`, :mod:`.nodes`, :mod:`.pipeline`: the model-pipeline
  template that M1 and M2 are built from (what the prediction decides, the typed
  parameters, the shared nodes and their wiring).
"""
