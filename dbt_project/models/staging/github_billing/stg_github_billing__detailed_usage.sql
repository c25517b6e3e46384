with source as (
    select * from {{ source('github_billing', 'detailed_usage') }}
),

renamed as (
    select
        billing_account_id,
        _dlt_id as detailed_usage_id,
        usage_date,
        report_type,
        lower(username) as user_login,
        organization as organization_name,
        repository_name,
        workflow_path,
        workflow_name,
        cost_center_name,
        product,
        product_raw,
        sku,
        sku_raw,
        unit_type,
        unit_type_raw,
        {{ amount_and_load_columns() }}
    from source
)

select * from renamed
