-- Per-user Copilot usage from the richest source of each day (report exports or their CSVs,
-- then the user= fallback, then the legacy premium-request report), with the cost center's id
-- resolved from the name the report carries. The April 2026 back-fill rows are left out, as
-- GitHub's report viewer leaves them out of billed usage (README, "April 2026 back-fill"); the
-- reports' comparison columns (AI-credit equivalents, tokens, the quota as written) stay in
-- staging.
{%- set columns = [
    'copilot_user_usage_id', 'billing_account_id', 'usage_date', 'report_type', 'seat_holder_login',
    'seat_holder_login_raw', 'organization_name', 'cost_center_name', 'model_name', 'product',
    'product_raw', 'sku', 'sku_raw', 'unit_type', 'unit_type_raw', 'is_over_quota',
    'total_monthly_quota', 'price_per_unit', 'quantity', 'gross_amount', 'discount_amount',
    'net_amount', 'extracted_at', 'dlt_load_id',
] %}
with usage as (
    select
        {{ columns | join(',\n        ') }},
        case
            when report_type in ('premium_request', 'ai_credit') then 1
            when report_type in ('premium_request_api', 'ai_credit_api') then 2
            else 3
        end as source_rank
    from {{ ref('stg_github_billing__copilot_user_usage') }}
    where not is_transition_backfill
),

best_source as (
    select {{ columns | join(', ') }}
    from (
        select usage.*, min(source_rank) over (
            partition by billing_account_id, usage_date
        ) as best_rank
        from usage
    ) as ranked
    where source_rank = best_rank
),

resolved as (
    {{ resolve_cost_center('best_source', 'copilot_user_usage_id') }}
),

final as (
    select
        resolved.*,
        coalesce({{ billing_unit('resolved') }}, 'premium_requests') as billing_unit
    from resolved
    left join {{ ref('github_skus') }} as skus on skus.sku = resolved.sku
)

select * from final
