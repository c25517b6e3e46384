-- Per-user Copilot usage from the richest source of each day (report exports or their CSVs,
-- then the user= fallback, then the legacy premium-request report), with the cost center's id
-- resolved from the name the report carries.
with usage as (
    select
        *,
        case
            when report_type in ('premium_request', 'ai_credit') then 1
            when report_type in ('premium_request_api', 'ai_credit_api') then 2
            else 3
        end as source_rank
    from {{ ref('stg_github_billing__copilot_user_usage') }}
),

best_source as (
    select * exclude (source_rank)
    from usage
    qualify source_rank = min(source_rank) over (partition by usage_date)
),

resolved as (
    select
        best_source.*,
        {{ resolved_cost_center_id('best_source') }},
        coalesce({{ billing_unit('best_source') }}, 'premium_requests') as billing_unit
    from best_source
    {{ resolve_cost_center_join('best_source', 'copilot_user_usage_id') }}
)

select * from resolved
