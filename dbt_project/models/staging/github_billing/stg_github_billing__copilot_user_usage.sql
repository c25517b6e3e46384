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
        {{ catalogue_columns() }},
        exceeds_quota as is_over_quota,
        {{ money('total_monthly_quota') }} as total_monthly_quota,
        {{ amount_and_load_columns() }}
    from source
)

select * from renamed
