with source as (
    select * from {{ source('github_billing', 'cost_center_pool_states') }}
),

renamed as (
    select
        billing_account_id,
        {{ surrogate_key(['billing_account_id', 'snapshot_date', 'cost_center_id']) }} as pool_state_id,
        snapshot_date,
        cost_center_id,
        coalesce(ai_credit_pool_enabled, false) as is_ai_credit_pool_enabled,
        {{ money('ai_credit_pool_target_amount') }} as pool_target_amount,
        {{ money('ai_credit_pool_current_amount') }} as pool_consumed_amount,
        {{ utc_timestamp('extracted_at') }} as extracted_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
