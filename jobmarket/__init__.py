"""The composition root: the ``jobmarket`` CLI and ``jobmarket up``. Services never import it."""
