with source as (
    {{ source_or_empty('github_billing', 'detailed_usage') }}
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
        coalesce(cost_center_name, '') as cost_center_name,
        {{ casing_columns() }},
        {{ money('price_per_unit') }} as price_per_unit,
        {{ money('quantity') }} as quantity,
        {{ money('gross_amount') }} as gross_amount,
        {{ money('discount_amount') }} as discount_amount,
        {{ money('net_amount') }} as net_amount,
        {{ utc_timestamp('extracted_at') }} as extracted_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
