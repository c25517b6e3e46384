-- The cost-center rollup holds every dollar of the raw usage report: each account's grand
-- totals agree (an account's dollars never land in another's).
with marts as (
    select billing_account_id, sum(net_amount) as net_amount, sum(gross_amount) as gross_amount
    from {{ ref('fct_daily_cost_by_cost_center') }}
    group by billing_account_id
),

raw as (
    select billing_account_id, sum(net_amount) as net_amount, sum(gross_amount) as gross_amount
    from {{ source('github_billing', 'usage_items') }}
    group by billing_account_id
)

select
    coalesce(marts.billing_account_id, raw.billing_account_id) as billing_account_id,
    marts.net_amount,
    marts.gross_amount,
    raw.net_amount as raw_net_amount,
    raw.gross_amount as raw_gross_amount
from marts
full outer join raw on raw.billing_account_id = marts.billing_account_id
where abs(coalesce(marts.net_amount, 0) - coalesce(raw.net_amount, 0)) > {{ var('reconciliation_tolerance') }}
    or abs(coalesce(marts.gross_amount, 0) - coalesce(raw.gross_amount, 0)) > {{ var('reconciliation_tolerance') }}
