-- France Travail offers as typed columns, one row per raw event (not deduplicated: silver does that).
with source as (
    select * from {{ source('raw', 'raw_offers') }}
    where source = 'france_travail' and is_valid
),

renamed as (
    select
        event_id,
        source_id as france_travail_id,
        fetched_at,
        ingested_at,
        {{ json_text('payload', 'intitule') }} as title,
        {{ json_text('payload', 'description') }} as description,
        {{ json_text('payload', 'romeCode') }} as rome_code,
        {{ json_text('payload', 'romeLibelle') }} as rome_label,
        {{ json_text('payload', 'appellationlibelle') }} as appellation_label,
        {{ json_text('payload', 'entreprise.nom') }} as company_name,
        {{ json_text('payload', 'typeContrat') }} as contract_code,
        {{ json_text('payload', 'typeContratLibelle') }} as contract_label,
        {{ json_text('payload', 'natureContrat') }} as contract_nature,
        {{ json_text('payload', 'dureeTravailLibelle') }} as working_hours_label,
        {{ json_text('payload', 'dureeTravailLibelleConverti') }} as working_time_label,
        {{ json_text('payload', 'experienceExige') }} as experience_code,
        {{ json_text('payload', 'experienceLibelle') }} as experience_label,
        {{ json_text('payload', 'lieuTravail.libelle') }} as location_label,
        {{ json_text('payload', 'lieuTravail.codePostal') }} as postal_code,
        {{ json_text('payload', 'lieuTravail.commune') }} as insee_code,
        {{ json_number('payload', 'lieuTravail.latitude') }} as latitude,
        {{ json_number('payload', 'lieuTravail.longitude') }} as longitude,
        {{ json_text('payload', 'salaire.libelle') }} as salary_label,
        {{ json_text('payload', 'secteurActiviteLibelle') }} as sector_label,
        {{ json_text('payload', 'qualificationLibelle') }} as qualification_label,
        {{ json_bool('payload', 'alternance') }} as is_alternance,
        {{ json_number('payload', 'nombrePostes') }} as positions,
        {{ json_text('payload', 'origineOffre.urlOrigine') }} as url,
        {{ json_timestamp('payload', 'dateCreation') }} as created_at,
        {{ json_timestamp('payload', 'dateActualisation') }} as updated_at
    from source
)

select * from renamed
