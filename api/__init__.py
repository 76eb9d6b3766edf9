"""FastAPI backend: offers and near-real-time recommendations."""
