-- Removal events as typed columns, one row per event.
with source as (
    select * from {{ source('raw', 'raw_removals') }}
    where is_valid
),

renamed as (
    select
        event_id,
        source,
        source_id,
        source || ':' || source_id as source_ref,
        removed_at,
        reason,
        ingested_at
    from source
)

select * from renamed
