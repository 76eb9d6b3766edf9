from __future__ import annotations

from web.search_query import from_url, sort_from_table, table_sort, to_api, to_url


def test_url_round_trip_keeps_every_filter() -> None:
    form = {"keywords": "data engineer", "city": "Lyon", "radius_km": 30.0, "contract_types": ["CDI", "CDD"],
            "seniority": ["Junior"], "domain": "Informatique", "remote": "hybrid", "sort": "date"}
    assert from_url(to_url(form)) == form


def test_invalid_values_in_a_shared_url_are_dropped() -> None:
    form = from_url("?contrat=CDI&contrat=Bidon&seniorite=Expert&rayon=abc&teletravail=parfois&tri=prix")
    assert form == {"contract_types": ["CDI"], "seniority": []}


def test_empty_form_gives_an_empty_query_string() -> None:
    assert to_url({"keywords": "", "contract_types": []}) == ""


def test_api_body_leaves_out_a_radius_without_city() -> None:
    body = to_api({"radius_km": 20.0, "keywords": "python"}, page=2, size=10)
    assert "radius_km" not in body and body["keywords"] == "python" and body["page"] == 2
    assert to_api({"radius_km": 20.0, "city": "Lyon"}, 1, 10)["radius_km"] == 20.0


def test_a_header_click_maps_to_the_api_sort_and_back() -> None:
    for sort in ("date", "salary"):
        assert sort_from_table(table_sort(sort)) == sort
    # The API sorts newest / best paid first only: an ascending click is shown descending.
    assert sort_from_table([{"column_id": "salaire", "direction": "asc"}]) == "salary"
    assert table_sort("salary") == [{"column_id": "salaire", "direction": "desc"}]
    assert table_sort("relevance") == [] and sort_from_table([]) == "relevance"
    assert sort_from_table([{"column_id": "ville", "direction": "asc"}]) == "relevance"
