from __future__ import annotations

from web.api_client import UNAVAILABLE, ApiClient
from web.app import page_for
from web.settings import Settings


def _texts(component: object) -> str:
    """Every string in a Dash component tree."""
    if isinstance(component, str):
        return component
    children = getattr(component, "children", None)
    if isinstance(children, list | tuple):
        return " ".join(_texts(c) for c in children)
    return _texts(children) if children is not None else ""


def test_pages_say_clearly_when_the_api_is_down() -> None:
    s = Settings(api_url="http://127.0.0.1:1", api_timeout_s=1)
    client = ApiClient(s)
    for path in ("/", "/offre/abc", "/tableau-de-bord"):
        assert UNAVAILABLE in _texts(page_for(path, None, client, s)), path


def test_unknown_path_is_a_french_404() -> None:
    s = Settings(api_url="http://127.0.0.1:1")
    assert "Page introuvable" in _texts(page_for("/nulle-part", None, ApiClient(s), s))
