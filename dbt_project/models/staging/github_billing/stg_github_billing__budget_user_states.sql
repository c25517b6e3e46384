with source as (
    select * from {{ source('github_billing', 'budget_user_states') }}
),

renamed as (
    select
        billing_account_id,
        {{ surrogate_key(['billing_account_id', 'snapshot_date', 'budget_id', 'user_login']) }} as budget_user_state_id,
        snapshot_date,
        budget_id,
        lower(user_login) as seat_holder_login,
        {{ money('consumed_amount') }} as github_consumed_amount,
        {{ money('target_amount') }} as target_amount,
        override_budget_id,
        {{ utc_timestamp('extracted_at') }} as extracted_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
