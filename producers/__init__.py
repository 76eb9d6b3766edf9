"""Connectors that fetch offers from the sources and publish them, untouched, to the raw topic."""
