with source as (
    select * from {{ source('github_billing', 'copilot_user_usage') }}
),

renamed as (
    select
        billing_account_id,
        _dlt_id as copilot_user_usage_id,
        usage_date,
        report_type,
        lower(username) as seat_holder_login,
        username as seat_holder_login_raw,
        organization as organization_name,
        cost_center_name,
        model as model_name,
        product,
        product_raw,
        sku,
        sku_raw,
        unit_type,
        unit_type_raw,
        coalesce(repository_name, '') as repository_name,
        exceeds_quota as is_over_quota,
        {{ money('total_monthly_quota') }} as total_monthly_quota,
        total_monthly_quota_raw,
        coalesce(is_transition_backfill, false) as is_transition_backfill,
        {{ money('aic_quantity') }} as aic_quantity,
        {{ money('aic_gross_amount') }} as aic_gross_amount,
        cast(input_tokens as bigint) as input_tokens,
        cast(output_tokens as bigint) as output_tokens,
        cast(cache_read_tokens as bigint) as cache_read_tokens,
        cast(cache_write_tokens as bigint) as cache_write_tokens,
        {{ amount_and_load_columns() }}
    from source
)

select * from renamed
