-- Per-user Copilot usage from the richest source of each day (report exports or their CSVs,
-- then the user= fallback, then the legacy premium-request report), with the cost center's id
-- resolved from the name the report carries. The April 2026 back-fill rows are left out, as
-- GitHub's report viewer leaves them out of billed usage (README, "April 2026 back-fill"); the
-- reports' comparison columns (AI-credit equivalents, tokens, the quota as written) stay in
-- staging.
with usage as (
    select
        * exclude (
            is_transition_backfill, total_monthly_quota_raw, repository_name, aic_quantity,
            aic_gross_amount, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens
        ),
        case
            when report_type in ('premium_request', 'ai_credit') then 1
            when report_type in ('premium_request_api', 'ai_credit_api') then 2
            else 3
        end as source_rank
    from {{ ref('stg_github_billing__copilot_user_usage') }}
    where not is_transition_backfill
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
