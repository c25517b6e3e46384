{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='usage_date',
        batch_size='month',
        begin=var('history_begin'),
        lookback=1,
        on_schema_change='fail',
    )
}}
-- Built one day per batch like the rest of the seat-day chain (macros/seat_day_batches.sql).
select
    {{ surrogate_key(['billing_account_id', 'usage_date', 'seat_key']) }} as seat_day_id,
    billing_account_id,
    usage_date,
    seat_key,
    seat_holder_login,
    seat_holder_id,
    organization_name,
    assigning_team_slug,
    assigning_team_type,
    cost_center_id,
    attribution_rule,
    plan_type,
    {{ surrogate_key(["'copilot'", 'sku']) }} as product_sku_id,
    sku,
    granted_on,
    pending_cancellation_date,
    last_activity_at,
    last_activity_date,
    last_activity_editor,
    days_since_activity,
    is_idle,
    is_billed_grant,
    is_unassigned,
    cost_source,
    gross_amount,
    discount_amount,
    net_amount,
    list_price_estimate_amount,
    {{ seat_days_load_watermark() }} as built_through_load_id
from {{ ref('int_copilot_seat_costs_allocated') }}
