from __future__ import annotations

import httpx
import pytest

from web.api_client import UNAVAILABLE, ApiClient, ApiError, field_errors
from web.settings import Settings


def test_field_errors_are_french_and_keyed_by_field() -> None:
    problem = {"errors": [
        {"loc": ["body", "radius_km"], "msg": "Input should be greater than or equal to 0",
         "type": "greater_than_equal"},
        {"loc": ["body", "salary_expectation"], "msg": "Input should be a valid number", "type": "float_parsing"},
        {"loc": ["body", "free_text"], "msg": "Something else", "type": "custom"}]}
    assert field_errors(problem) == {"radius_km": "Doit être supérieur ou égal à 0",
                                     "salary_expectation": "Doit être un nombre", "free_text": "Something else"}


def _client(handler: httpx.MockTransport) -> ApiClient:
    return ApiClient(Settings(api_url="http://api.test"), transport=handler)


def test_a_422_becomes_an_api_error_with_fields() -> None:
    body = {"status": 422, "detail": "x", "errors": [{"loc": ["body", "city"], "msg": "m", "type": "missing"}]}
    client = _client(httpx.MockTransport(lambda _r: httpx.Response(422, json=body)))
    with pytest.raises(ApiError) as err:
        client.save_profile("t", {})
    assert err.value.status == 422 and err.value.fields == {"city": "Champ obligatoire"}


def test_the_token_is_sent_as_bearer() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization", ""))
        return httpx.Response(200, json={"skills": []})

    _client(httpx.MockTransport(handler)).profile("tok")
    assert seen == ["Bearer tok"]


def test_an_unreachable_api_gives_the_french_unavailable_message() -> None:
    client = ApiClient(Settings(api_url="http://127.0.0.1:1", api_timeout_s=1))
    with pytest.raises(ApiError) as err:
        client.summary()
    assert err.value.message == UNAVAILABLE and err.value.status == 0
