with source as (
    select * from {{ source('github_billing', 'usage_items') }}
),

renamed as (
    select
        billing_account_id,
        _dlt_id as usage_item_id,
        usage_date,
        date_raw,
        cost_center_id,
        -- the loader writes '' for none; PostgreSQL's COPY (dlt's CSV load, FORCE_NULL on
        -- nullable columns) reads an empty text as NULL, so the sentinel is restored here
        coalesce(organization_name, '') as organization_name,
        coalesce(repository_name, '') as repository_name,
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
