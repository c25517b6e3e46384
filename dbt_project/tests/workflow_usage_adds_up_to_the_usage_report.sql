-- The detailed report's Actions dollars equal the usage report's Actions lines, per day and
-- cost center, on every day the detailed report covers.
with per_workflow as (
    select usage_date, cost_center_id, sum(net_amount) as net_amount
    from {{ ref('fct_actions_usage_by_workflow') }}
    group by usage_date, cost_center_id
),

usage_report as (
    select usage_date, cost_center_id, sum(net_amount) as net_amount
    from {{ ref('fct_usage_costs') }}
    where product = 'actions'
        and usage_date in (select usage_date from per_workflow)
    group by usage_date, cost_center_id
)

select
    coalesce(per_workflow.usage_date, usage_report.usage_date) as usage_date,
    coalesce(per_workflow.cost_center_id, usage_report.cost_center_id) as cost_center_id,
    per_workflow.net_amount as workflow_net_amount,
    usage_report.net_amount as usage_report_net_amount
from per_workflow
full outer join usage_report
    on per_workflow.usage_date = usage_report.usage_date
    and per_workflow.cost_center_id = usage_report.cost_center_id
where abs(coalesce(per_workflow.net_amount, 0) - coalesce(usage_report.net_amount, 0))
    > {{ var('reconciliation_tolerance') }}
