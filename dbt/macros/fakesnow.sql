{#- fakesnow (tests only) runs Snowflake SQL on DuckDB. dbt-snowflake's MERGE lists bare column names in
    its INSERT VALUES, which DuckDB cannot resolve; qualifying them with DBT_INTERNAL_SOURCE is equally
    valid Snowflake SQL. Other targets keep dbt-snowflake's own macro. (The second workaround,
    transient tmp relations, is set in silver/offers.sql.) -#}
{% macro snowflake__get_merge_sql(target_relation, source_sql, unique_key, dest_columns, incremental_predicates=none) -%}
    {%- if target.name != 'fakesnow' -%}
        {{ return(dbt.snowflake__get_merge_sql(target_relation, source_sql, unique_key, dest_columns, incremental_predicates)) }}
    {%- endif -%}
    {%- set merge = dbt.default__get_merge_sql(target_relation, source_sql, unique_key, dest_columns, incremental_predicates) -%}
    {%- set cols_csv = get_quoted_csv(dest_columns | map(attribute='name')) -%}
    {%- set qualified = [] -%}
    {%- for col in dest_columns -%}
        {%- do qualified.append('DBT_INTERNAL_SOURCE.' ~ adapter.quote(col.name)) -%}
    {%- endfor -%}
    {%- set parts = merge.rsplit('values', 1) -%}
    {%- set fixed = parts[0] ~ 'values\n        (' ~ (qualified | join(', ')) ~ ')' -%}
    {#- No explicit BEGIN/COMMIT around it on fakesnow: its MERGE writes fakesnow's own metadata database too,
        and DuckDB refuses a transaction that writes two databases. A single MERGE is atomic anyway. -#}
    {{ return(fixed) }}
{%- endmacro %}

{#- fakesnow cannot create a TEMPORARY table under a database.schema name (DuckDB keeps temp tables in its
    own catalog); dbt's unit tests create one to read the model's column types. On fakesnow only, make it a
    regular (transient) table: the unit test drops it when done. -#}
{% macro snowflake__get_create_table_as_sql(temporary, relation, sql) -%}
    {%- if target.name == 'fakesnow' and temporary -%}
        {{ return(create_table_as(false, relation, sql)) }}
    {%- endif -%}
    {{ return(dbt.default__get_create_table_as_sql(temporary, relation, sql)) }}
{%- endmacro %}
