"""The tag kinds: each kind's parameters and how it turns a source feature into levels.

A tag's ``method`` key selects its kind:

* ``fixed_bins``: cut points written in the configuration;
* ``quantiles``: cut points at quantiles of the training snapshots;
* ``category_map``: each level lists the source values it covers;
* ``rule``: structured conditions (feature, operator, value), first match wins;
* ``supervised``: cut points a decision tree learns against a model target.

Each kind is one pydantic class that validates its parameters and owns its
behaviour, which the tag binner calls without knowing the kind:
``learn_cut_points`` (on the training rows), ``levels`` (from the cut points),
``assign`` (level codes of any rows), ``training_problems`` and ``kind_problems``
(the checks against the data) and ``method_detail`` (the dictionary's words).

* :mod:`.base`: what every kind declares and does (:class:`~.base.TagKind`, and
  :class:`~.base.BinnedTagKind` for numeric bins), the :class:`~.base.Level` and the
  shared helpers;
* :mod:`.binned`: the kinds that cut a numeric source into bins (``fixed_bins``,
  ``quantiles``, ``supervised``);
* :mod:`.mapped`: the kinds whose levels are written out (``category_map`` and ``rule``).

Adding a kind means adding one class and naming it in the ``TagSpec`` union of
:mod:`customer_classification.pipelines.tag_system.params`.
"""
