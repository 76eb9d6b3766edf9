-- The hard skills most asked for in online offers (var top_n); share = fraction of online offers citing it.
with counted as (
    select skills.skill_id, skills.skill_name, count(*) as offer_count
    from {{ ref('offer_skills') }} as offer_skills
    inner join {{ ref('fct_offers') }} as offers on offers.offer_id = offer_skills.offer_id
    inner join {{ ref('skills') }} as skills on skills.skill_id = offer_skills.skill_id
    group by skills.skill_id, skills.skill_name
),

ranked as (
    select
        row_number() over (order by offer_count desc, skill_name, skill_id) as skill_rank,
        skill_id,
        skill_name,
        offer_count,
        {{ share('offer_count', '(select count(*) from ' ~ ref('fct_offers') ~ ')') }} as share_of_offers
    from counted
)

select * from ranked
where skill_rank <= {{ var('top_n') }}
