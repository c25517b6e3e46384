with source as (
    select * from {{ source('github_billing', 'budgets') }}
),

renamed as (
    select
        billing_account_id,
        {{ surrogate_key(['billing_account_id', 'snapshot_date', 'budget_id']) }} as budget_snapshot_id,
        snapshot_date,
        budget_id,
        budget_type,
        lower(budget_scope) as budget_scope,
        coalesce(budget_entity_name, '') as budget_entity_name,
        lower(coalesce(budget_user, case when lower(budget_scope) = 'user' then budget_entity_name end, ''))
            as budget_user_login,
        lower(budget_product_sku) as budget_product_sku,
        {{ money('budget_amount') }} as budget_amount,
        coalesce(prevent_further_usage, false) as is_usage_stopped_at_limit,
        coalesce(will_alert, false) as is_github_alerting,
        coalesce(alert_recipients, '') as alert_recipients,
        {{ money('consumed_amount') }} as github_consumed_amount,
        {{ utc_timestamp('expires_at') }} as expires_at,
        {{ utc_timestamp('extracted_at') }} as extracted_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
