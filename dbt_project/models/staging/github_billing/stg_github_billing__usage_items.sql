with source as (
    select * from {{ source('github_billing', 'usage_items') }}
),

renamed as (
    select
        _dlt_id as usage_item_id,
        usage_date,
        date_raw,
        cost_center_id,
        organization_name,
        repository_name,
        repository_name_raw,
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
