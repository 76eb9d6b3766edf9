-- Soft skills per ROME occupation: how many online offers of the occupation cite each, and what share.
with offers as (
    select offer_id, rome_code, rome_label
    from {{ ref('fct_offers') }}
    where rome_code is not null
),

rome_totals as (
    select rome_code, count(*) as rome_offer_count
    from offers
    group by rome_code
),

counted as (
    select
        offers.rome_code,
        soft.soft_skill_id,
        min(soft.soft_skill) as soft_skill,
        count(*) as offer_count
    from offers
    inner join {{ ref('offer_soft_skills') }} as soft on soft.offer_id = offers.offer_id
    group by offers.rome_code, soft.soft_skill_id
)

select
    counted.rome_code,
    rome.rome_label,
    counted.soft_skill_id,
    counted.soft_skill,
    counted.offer_count,
    rome_totals.rome_offer_count,
    {{ share('counted.offer_count', 'rome_totals.rome_offer_count') }} as share_of_rome_offers,
    row_number() over (
        partition by counted.rome_code order by counted.offer_count desc, counted.soft_skill
    ) as rank_in_rome
from counted
inner join rome_totals on rome_totals.rome_code = counted.rome_code
left join {{ ref('rome') }} as rome on rome.rome_code = counted.rome_code
