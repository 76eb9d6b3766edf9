{{
    config(
        materialized='incremental',
        unique_key='offer_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
        tmp_relation_type=('transient' if target.name == 'fakesnow' else none),
    )
}}
-- The canonical offers: one row per offer id, the latest state (removed offers flagged, not dropped).
-- Incremental: each run merges the canonical rows the sink changed since the last run (with a lookback,
-- see var incremental_lookback_minutes), so a run costs what changed, not the whole history.
with changed as (
    select * from {{ ref('bronze_enriched_offers') }}
    {% if is_incremental() %}
    where loaded_at >= (
        select {{ dbt.dateadd('minute', -1 * var('incremental_lookback_minutes'),
                              "coalesce(max(loaded_at), cast('1900-01-01' as timestamp))") }}
        from {{ this }}
    )
    {% endif %}
),

ranked as (
    select
        *,
        row_number() over (
            partition by offer_id
            order by loaded_at desc, kafka_partition desc, kafka_offset desc
        ) as recency
    from changed
),

latest as (
    select * from ranked where recency = 1
),

final as (
    select
        offer_id,
        source,
        source_id,
        source_refs,
        title,
        gender_mark,
        description,
        nullif(trim(company), '') as company_name,
        {{ company_key('company') }} as company_id,
        contract_type,
        contract_label,
        working_time,
        city,
        insee_code,
        postal_code,
        departement_code,
        departement_name,
        region,
        latitude,
        longitude,
        {{ location_key('insee_code', 'city', 'departement_code') }} as location_id,
        seniority,
        experience_label,
        upper(rome_code) as rome_code,
        rome_label,
        rome_confidence,
        domain,
        skills,
        soft_skills,
        remote,
        salary_min,
        salary_max,
        {{ salary_mid('salary_min', 'salary_max') }} as salary_mid,
        salary_label,
        url,
        published_at,
        updated_at,
        fetched_at,
        enriched_at,
        cast(coalesce(published_at, fetched_at) as date) as published_date,
        is_removed,
        removed_at,
        loaded_at
    from latest
)

select * from final
