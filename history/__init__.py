"""Durable history of the embedded stack's topics: archived to a local file, rehydrated into an empty broker."""
