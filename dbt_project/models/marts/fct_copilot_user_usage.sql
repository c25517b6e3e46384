-- event_time: a microbatch model of the seat-day chain reads only its batch's day of it.
{{ config(event_time='usage_date') }}
select
    {{ surrogate_key(['billing_account_id', 'usage_date', 'seat_holder_login', 'organization_name', 'model_name', 'cost_center_id', 'sku']) }}
        as user_usage_id,
    billing_account_id,
    usage_date,
    seat_holder_login,
    organization_name,
    model_name,
    cost_center_id,
    {{ surrogate_key(['product', 'sku']) }} as product_sku_id,
    product,
    sku,
    unit_type,
    billing_unit,
    max(report_type) as source_report_type,
    {{ money('sum(quantity)') }} as quantity,
    {{ money('sum(gross_amount)') }} as gross_amount,
    {{ money('sum(discount_amount)') }} as discount_amount,
    {{ money('sum(net_amount)') }} as net_amount,
    coalesce({{ dbt.bool_or('is_over_quota') }}, false) as has_usage_over_quota
from {{ ref('int_copilot_user_usage_attributed') }}
group by
    billing_account_id, usage_date, seat_holder_login, organization_name, model_name, cost_center_id, product, sku,
    unit_type, billing_unit
