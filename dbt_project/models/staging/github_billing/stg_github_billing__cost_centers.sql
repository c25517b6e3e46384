with source as (
    select * from {{ source('github_billing', 'cost_centers') }}
),

renamed as (
    select
        billing_account_id,
        id as cost_center_id,
        name as cost_center_name,
        state as cost_center_state,
        azure_subscription,
        coalesce(ai_credit_pool_enabled, false) as is_ai_credit_pool_enabled,
        {{ money('ai_credit_pool_target_amount') }} as ai_credit_pool_target_amount,
        {{ money('ai_credit_pool_current_amount') }} as ai_credit_pool_current_amount,
        {{ utc_timestamp('extracted_at') }} as extracted_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
