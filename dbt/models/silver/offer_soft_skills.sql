-- Offer × soft skill (France Travail's qualitesProfessionnelles), one row per pair, case-insensitive.
with exploded as (
    select
        o.offer_id,
        trim({{ json_element_text('s') }}) as soft_skill
    from {{ ref('offers') }} as o
    {{ json_array_elements('o.soft_skills', 's') }}
),

keyed as (
    select
        offer_id,
        soft_skill,
        {{ dbt.hash('lower(soft_skill)') }} as soft_skill_id
    from exploded
    where soft_skill is not null and soft_skill <> ''
)

select
    offer_id,
    soft_skill_id,
    min(soft_skill) as soft_skill
from keyed
group by offer_id, soft_skill_id
