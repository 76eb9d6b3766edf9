{#- The few things DuckDB and Snowflake spell differently: reading JSON / VARIANT, and exploding arrays.
    Paths are dotted keys with optional [n] indexes (0-based on both), e.g. 'lieuTravail.libelle',
    'location.area[1]'. Every reader is lenient: a value of the wrong type reads as NULL, never an error. -#}

{% macro json_text(column, path) -%}
    {{ return(adapter.dispatch('json_text', 'jobmarket')(column, path)) }}
{%- endmacro %}
{% macro default__json_text(column, path) -%}
    json_extract_string({{ column }}, '$.{{ path }}')
{%- endmacro %}
{% macro snowflake__json_text(column, path) -%}
    {{ column }}:{{ path }}::varchar
{%- endmacro %}

{% macro json_number(column, path) -%}
    {{ return(adapter.dispatch('json_number', 'jobmarket')(column, path)) }}
{%- endmacro %}
{% macro default__json_number(column, path) -%}
    try_cast(json_extract_string({{ column }}, '$.{{ path }}') as double)
{%- endmacro %}
{% macro snowflake__json_number(column, path) -%}
    try_cast({{ column }}:{{ path }}::varchar as double)
{%- endmacro %}

{% macro json_bool(column, path) -%}
    {{ return(adapter.dispatch('json_bool', 'jobmarket')(column, path)) }}
{%- endmacro %}
{% macro default__json_bool(column, path) -%}
    try_cast(json_extract_string({{ column }}, '$.{{ path }}') as boolean)
{%- endmacro %}
{% macro snowflake__json_bool(column, path) -%}
    try_cast({{ column }}:{{ path }}::varchar as boolean)
{%- endmacro %}

{#- An ISO-8601 string with an offset ("2025-04-08T14:01:47Z", "...+02:00") → TIMESTAMP in UTC, no zone. -#}
{% macro json_timestamp(column, path) -%}
    {{ return(adapter.dispatch('json_timestamp', 'jobmarket')(column, path)) }}
{%- endmacro %}
{% macro default__json_timestamp(column, path) -%}
    (try_cast(json_extract_string({{ column }}, '$.{{ path }}') as timestamptz) at time zone 'UTC')
{%- endmacro %}
{% macro snowflake__json_timestamp(column, path) -%}
    convert_timezone('UTC', try_cast({{ column }}:{{ path }}::varchar as timestamp_tz))::timestamp_ntz
{%- endmacro %}

{#- The JSON value itself (JSON on DuckDB, VARIANT on Snowflake), e.g. an array to explode. -#}
{% macro json_value(column, path) -%}
    {{ return(adapter.dispatch('json_value', 'jobmarket')(column, path)) }}
{%- endmacro %}
{% macro default__json_value(column, path) -%}
    json_extract({{ column }}, '$.{{ path }}')
{%- endmacro %}
{% macro snowflake__json_value(column, path) -%}
    {{ column }}:{{ path }}
{%- endmacro %}

{#- A FROM item, placed after a comma, that yields one row per element of a JSON array column:
      from offers as o{{ json_array_elements('o.skills', 's') }}
    and json_element_text('s') reads the element as text. -#}
{% macro json_array_elements(column, alias) -%}
    {{ return(adapter.dispatch('json_array_elements', 'jobmarket')(column, alias)) }}
{%- endmacro %}
{% macro default__json_array_elements(column, alias) -%}
    , json_each({{ column }}) as {{ alias }}
{%- endmacro %}
{% macro snowflake__json_array_elements(column, alias) -%}
    , lateral flatten(input => {{ column }}) as {{ alias }}
{%- endmacro %}

{% macro json_element_text(alias) -%}
    {{ return(adapter.dispatch('json_element_text', 'jobmarket')(alias)) }}
{%- endmacro %}
{% macro default__json_element_text(alias) -%}
    ({{ alias }}.value ->> '$')
{%- endmacro %}
{% macro snowflake__json_element_text(alias) -%}
    {{ alias }}.value::varchar
{%- endmacro %}
