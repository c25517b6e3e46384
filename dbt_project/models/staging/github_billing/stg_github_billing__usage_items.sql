with source as (
    {{ source_or_empty('github_billing', 'usage_items') }}
),

catalogued as (
    {{ catalogued('source') }}
),

renamed as (
    select
        _dlt_id as usage_item_id,
        coalesce({{ utc_date('date_raw') }}, usage_date) as usage_date,
        date_raw,
        cost_center_id,
        coalesce(organization_name, '') as organization_name,
        coalesce(repository_name_raw, repository_name, '') as repository_name,
        repository_name_raw,
        {{ catalogue_columns('catalogued') }},
        {{ amount_and_load_columns() }}
    from catalogued
)

select * from renamed
