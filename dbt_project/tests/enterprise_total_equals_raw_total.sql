-- The cost-center rollup holds every dollar of the raw usage report: grand totals agree.
with marts as (
    select sum(net_amount) as net_amount, sum(gross_amount) as gross_amount
    from {{ ref('fct_daily_cost_by_cost_center') }}
),

raw as (
    select sum(net_amount) as net_amount, sum(gross_amount) as gross_amount
    from {{ source('github_billing', 'usage_items') }}
)

select marts.*, raw.net_amount as raw_net_amount, raw.gross_amount as raw_gross_amount
from marts
cross join raw
where abs(coalesce(marts.net_amount, 0) - coalesce(raw.net_amount, 0)) > {{ var('reconciliation_tolerance') }}
    or abs(coalesce(marts.gross_amount, 0) - coalesce(raw.gross_amount, 0)) > {{ var('reconciliation_tolerance') }}
