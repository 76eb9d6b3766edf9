"""What a connector raises when a source finally fails: clear, logged, never a silent partial result."""

from __future__ import annotations


class SourceError(RuntimeError):
    """A source could not be read; the cycle stops and its checkpoint is not advanced."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


class PageFetchError(SourceError):
    """One request (a page, a token, an offer) still failed after every retry, or was refused."""

    def __init__(self, source: str, what: str, message: str, *, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(source, f"{what} failed after {attempts} attempt(s): {message}")
        self.what = what
        self.status = status
        self.attempts = attempts


class MalformedPageError(PageFetchError):
    """The source answered, but not with what its API documents (bad JSON, missing fields, bad headers)."""


class AuthenticationError(SourceError):
    """The source rejected the credentials (bad client id/secret, app id/key)."""


class Interrupted(Exception):  # a shutdown request, not an error
    """SIGTERM/SIGINT arrived: stop between requests, flush, exit."""
