"""Node tags with a meaning for the scheduled cycles (:mod:`customer_classification.operations`)."""

# A node that fits nothing: ``score`` reruns it, reading the registry's champion of every
# fitted artefact it takes (``champion.<artefact>``). A pipeline tags these nodes itself,
# so the cycles never name a pipeline's nodes.
SCORING = "scoring"
