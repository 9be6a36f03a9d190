"""The front end: a small web service that receives the pipelines' publications (segments,
customer cards, RM types) and shows them to business users (docs/frontend.md).

``app.create_app`` builds the application; ``python -m customer_classification.frontend`` serves it."""
