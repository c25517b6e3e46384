with source as (
    {{ source_or_empty('github_billing', 'detailed_usage') }}
),

catalogued as (
    {{ catalogued('source') }}
),

renamed as (
    select
        _dlt_id as detailed_usage_id,
        usage_date,
        report_type,
        lower(coalesce(username, '')) as user_login,
        coalesce(organization, '') as organization_name,
        coalesce(repository_name, '') as repository_name,
        coalesce(workflow_path, '') as workflow_path,
        workflow_name,
        coalesce(cost_center_name, '') as cost_center_name,
        {{ catalogue_columns('catalogued') }},
        {{ amount_and_load_columns() }}
    from catalogued
)

select * from renamed
