"""One module per page: ``layout(...)`` builds it, ``register(app, client)`` wires its callbacks."""
