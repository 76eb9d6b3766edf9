-- Offer × hard skill (from the offers' `skills` arrays), one row per pair, case-insensitive.
with exploded as (
    select
        o.offer_id,
        trim({{ json_element_text('s') }}) as skill_name
    from {{ ref('offers') }} as o
    {{ json_array_elements('o.skills', 's') }}
),

keyed as (
    select
        offer_id,
        skill_name,
        {{ dbt.hash('lower(skill_name)') }} as skill_id
    from exploded
    where skill_name is not null and skill_name <> ''
)

select
    offer_id,
    skill_id,
    min(skill_name) as skill_name
from keyed
group by offer_id, skill_id
