-- GitHub does not say when a cost center was deleted; its partition stops receiving usage then
-- (D-cc: future usage goes to the enterprise). The last day with usage in any partition
-- table is taken as the last day it attributed anything.
with cost_centers as (
    select * from {{ ref('stg_github_billing__cost_centers') }}
),

partition_days as (
    select billing_account_id, cost_center_id, usage_date
    from {{ ref('stg_github_billing__usage_items') }}
    union all
    select billing_account_id, cost_center_id, usage_date
    from {{ ref('stg_github_billing__premium_request_usage') }}
    union all
    select billing_account_id, cost_center_id, usage_date
    from {{ ref('stg_github_billing__ai_credit_usage') }}
),

usage_span as (
    select
        billing_account_id,
        cost_center_id,
        min(usage_date) as first_usage_date,
        max(usage_date) as last_usage_date
    from partition_days
    group by billing_account_id, cost_center_id
),

dated as (
    select
        cost_centers.*,
        usage_span.first_usage_date,
        usage_span.last_usage_date,
        case
            when cost_centers.cost_center_state = 'deleted'
                then coalesce(usage_span.last_usage_date, date '0001-01-01')
        end as attribution_ends_on
    from cost_centers
    left join usage_span using (billing_account_id, cost_center_id)
)

select * from dated
