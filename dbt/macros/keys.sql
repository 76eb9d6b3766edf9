{#- Surrogate keys and derived measures shared by silver models (md5 on both warehouses). -#}

{#- One company per case/space-insensitive name. -#}
{% macro company_key(name_column) -%}
    case when nullif(trim({{ name_column }}), '') is not null
         then {{ dbt.hash("lower(trim(" ~ name_column ~ "))") }} end
{%- endmacro %}

{#- A commune when its INSEE code is known, else the city name within its département. -#}
{% macro location_key(insee_column, city_column, departement_column) -%}
    case
        when nullif(trim({{ insee_column }}), '') is not null
            then {{ dbt.hash("'insee:' || trim(" ~ insee_column ~ ")") }}
        when nullif(trim({{ city_column }}), '') is not null
            then {{ dbt.hash("'city:' || lower(trim(" ~ city_column ~ ")) || '|' || coalesce(" ~ departement_column ~ ", '')") }}
    end
{%- endmacro %}

{#- The middle of a salary range; a one-sided range counts as its known bound. -#}
{% macro salary_mid(min_column, max_column) -%}
    case
        when {{ min_column }} is not null and {{ max_column }} is not null
            then ({{ min_column }} + {{ max_column }}) / 2.0
        else coalesce({{ min_column }}, {{ max_column }})
    end
{%- endmacro %}

{#- A share in [0, 1], rounded the same way on every warehouse. -#}
{% macro share(numerator, denominator, digits=4) -%}
    round(cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0), {{ digits }})
{%- endmacro %}
