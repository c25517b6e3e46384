-- Copilot usage by model in one shape: premium requests (to 2026-05-31) and AI credits (from
-- 2026-06-01), with the billing unit as a column.
with premium_requests as (
    select *, 'premium_requests' as billing_unit
    from {{ ref('stg_github_billing__premium_request_usage') }}
),

ai_credits as (
    select *, 'ai_credits' as billing_unit
    from {{ ref('stg_github_billing__ai_credit_usage') }}
),

unioned as (
    select * exclude (premium_request_usage_id) from premium_requests
    union all by name
    select * exclude (ai_credit_usage_id) from ai_credits
)

select
    usage_date,
    cost_center_id,
    max(cost_center_name) as cost_center_name,
    model_name,
    product,
    sku,
    unit_type,
    billing_unit,
    max(price_per_unit) as price_per_unit,
    sum(gross_quantity) as gross_quantity,
    sum(discount_quantity) as discount_quantity,
    sum(net_quantity) as net_quantity,
    sum(gross_amount) as gross_amount,
    sum(discount_amount) as discount_amount,
    sum(net_amount) as net_amount
from unioned
group by usage_date, cost_center_id, model_name, product, sku, unit_type, billing_unit
