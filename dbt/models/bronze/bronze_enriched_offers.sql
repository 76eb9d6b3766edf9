-- The canonical layer as typed columns: one row per canonical offer id (the sink upserts by id).
-- Fields the enrichment adds later stay in `record` until a column is added here.
with source as (
    select * from {{ source('raw', 'enriched_offers') }}
    where record is not null
),

renamed as (
    select
        offer_id,
        {{ json_text('record', 'source') }} as source,
        {{ json_text('record', 'source_id') }} as source_id,
        {{ json_value('record', 'source_refs') }} as source_refs,
        {{ json_text('record', 'title') }} as title,
        {{ json_text('record', 'gender_mark') }} as gender_mark,
        {{ json_text('record', 'description') }} as description,
        {{ json_text('record', 'company') }} as company,
        {{ json_text('record', 'contract_type') }} as contract_type,
        {{ json_text('record', 'contract_label') }} as contract_label,
        {{ json_text('record', 'working_time') }} as working_time,
        {{ json_text('record', 'city') }} as city,
        {{ json_text('record', 'insee_code') }} as insee_code,
        {{ json_text('record', 'postal_code') }} as postal_code,
        {{ json_text('record', 'departement_code') }} as departement_code,
        {{ json_text('record', 'departement_name') }} as departement_name,
        {{ json_text('record', 'region') }} as region,
        {{ json_number('record', 'latitude') }} as latitude,
        {{ json_number('record', 'longitude') }} as longitude,
        {{ json_text('record', 'seniority') }} as seniority,
        {{ json_text('record', 'experience_label') }} as experience_label,
        {{ json_text('record', 'rome_code') }} as rome_code,
        {{ json_text('record', 'rome_label') }} as rome_label,
        {{ json_number('record', 'rome_confidence') }} as rome_confidence,
        {{ json_text('record', 'domain') }} as domain,
        {{ json_value('record', 'skills') }} as skills,
        {{ json_value('record', 'soft_skills') }} as soft_skills,
        {{ json_text('record', 'remote') }} as remote,
        {{ json_number('record', 'salary_min') }} as salary_min,
        {{ json_number('record', 'salary_max') }} as salary_max,
        {{ json_text('record', 'salary_label') }} as salary_label,
        {{ json_text('record', 'url') }} as url,
        {{ json_timestamp('record', 'published_at') }} as published_at,
        {{ json_timestamp('record', 'updated_at') }} as updated_at,
        {{ json_timestamp('record', 'fetched_at') }} as fetched_at,
        {{ json_timestamp('record', 'enriched_at') }} as enriched_at,
        is_removed,
        removed_at,
        kafka_partition,
        kafka_offset,
        loaded_at
    from source
)

select * from renamed
