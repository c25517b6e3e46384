with source as (
    {{ source_or_empty('github_billing', 'copilot_user_usage') }}
),

renamed as (
    select
        _dlt_id as copilot_user_usage_id,
        usage_date,
        report_type,
        lower(username) as seat_holder_login,
        username as seat_holder_login_raw,
        coalesce(organization, '') as organization_name,
        coalesce(cost_center_name, '') as cost_center_name,
        coalesce(model, '') as model_name,
        {{ casing_columns() }},
        {{ money('price_per_unit') }} as price_per_unit,
        {{ money('quantity') }} as quantity,
        {{ money('gross_amount') }} as gross_amount,
        {{ money('discount_amount') }} as discount_amount,
        {{ money('net_amount') }} as net_amount,
        exceeds_quota as is_over_quota,
        {{ money('total_monthly_quota') }} as total_monthly_quota,
        {{ utc_timestamp('extracted_at') }} as extracted_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
