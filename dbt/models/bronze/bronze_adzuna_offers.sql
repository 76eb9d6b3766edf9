-- Adzuna offers as typed columns, one row per raw event (not deduplicated: silver does that).
with source as (
    select * from {{ source('raw', 'raw_offers') }}
    where source = 'adzuna' and is_valid
),

renamed as (
    select
        event_id,
        source_id as adzuna_id,
        fetched_at,
        ingested_at,
        {{ json_text('payload', 'title') }} as title,
        {{ json_text('payload', 'description') }} as description,
        {{ json_text('payload', 'company.display_name') }} as company_name,
        {{ json_text('payload', 'location.display_name') }} as location_label,
        {{ json_text('payload', 'location.area[1]') }} as area_region,
        {{ json_text('payload', 'location.area[2]') }} as area_departement,
        {{ json_text('payload', 'location.area[3]') }} as area_city,
        {{ json_number('payload', 'latitude') }} as latitude,
        {{ json_number('payload', 'longitude') }} as longitude,
        {{ json_text('payload', 'category.label') }} as category_label,
        {{ json_text('payload', 'category.tag') }} as category_tag,
        {{ json_text('payload', 'contract_type') }} as contract_type,
        {{ json_text('payload', 'contract_time') }} as contract_time,
        {{ json_number('payload', 'salary_min') }} as salary_min,
        {{ json_number('payload', 'salary_max') }} as salary_max,
        {{ json_bool('payload', 'salary_is_predicted') }} as salary_is_predicted,
        {{ json_text('payload', 'redirect_url') }} as url,
        {{ json_timestamp('payload', 'created') }} as created_at
    from source
)

select * from renamed
