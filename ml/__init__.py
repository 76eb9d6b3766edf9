"""Models: text embedders (and, later, training runs tracked in MLflow)."""
