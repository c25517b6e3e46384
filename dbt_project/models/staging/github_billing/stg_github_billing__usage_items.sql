with source as (
    {{ source_or_empty('github_billing', 'usage_items') }}
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
        {{ casing_columns() }},
        {{ money('quantity') }} as quantity,
        {{ money('price_per_unit') }} as price_per_unit,
        {{ money('gross_amount') }} as gross_amount,
        {{ money('discount_amount') }} as discount_amount,
        {{ money('net_amount') }} as net_amount,
        {{ utc_timestamp('extracted_at') }} as extracted_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
