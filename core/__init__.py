"""The shared kernel every service imports: settings, logging, Kafka helpers, the embedded broker.

It imports no service. The composition root that wires every service together (CLI, ``jobmarket up``)
lives in ``jobmarket/`` and no service imports it.
"""
