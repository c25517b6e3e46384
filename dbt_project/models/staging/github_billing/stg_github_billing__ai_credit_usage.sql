with source as (
    {{ source_or_empty('github_billing', 'ai_credit_usage') }}
),

renamed as (
    select
        _dlt_id as ai_credit_usage_id,
        usage_date,
        cost_center_id,
        cost_center_name,
        coalesce(model, '') as model_name,
        {{ normalise_key('coalesce(product_raw, product)') }} as product,
        product_raw,
        {{ normalise_key('coalesce(sku_raw, sku)') }} as sku,
        sku_raw,
        {{ normalise_key('coalesce(unit_type_raw, unit_type)') }} as unit_type,
        unit_type_raw,
        {{ money('price_per_unit') }} as price_per_unit,
        {{ money('gross_quantity') }} as gross_quantity,
        {{ money('discount_quantity') }} as discount_quantity,
        {{ money('net_quantity') }} as net_quantity,
        {{ money('gross_amount') }} as gross_amount,
        {{ money('discount_amount') }} as discount_amount,
        {{ money('net_amount') }} as net_amount,
        {{ utc_timestamp('extracted_at') }} as extracted_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
