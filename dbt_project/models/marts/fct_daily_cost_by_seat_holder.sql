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
-- What each Copilot user costs per day: their allocated share of the billed licence lines
-- beside their own premium-request / AI-credit usage (from report exports), each from its
-- own fact. '(unassigned)' holds licence dollars no seat explains. Built one day per batch
-- like the seat-day chain (macros/seat_day_batches.sql): dbt filters both facts to the day.
with seats as (
    select
        billing_account_id,
        usage_date,
        seat_holder_login,
        count(case when is_billed_grant and not is_unassigned then 1 end) as billed_seats,
        not {{ dbt.bool_or('not is_idle') }} as is_idle,
        {{ money('sum(gross_amount)') }} as seat_gross_amount,
        {{ money('sum(discount_amount)') }} as seat_discount_amount,
        {{ money('sum(net_amount)') }} as seat_net_amount,
        {{ money('sum(list_price_estimate_amount)') }} as list_price_estimate_amount
    from {{ ref('fct_copilot_seat_days') }}
    group by billing_account_id, usage_date, seat_holder_login
),

usage as (
    select
        billing_account_id,
        usage_date,
        seat_holder_login,
        {{ money('sum(gross_amount)') }} as usage_gross_amount,
        {{ money('sum(discount_amount)') }} as usage_discount_amount,
        {{ money('sum(net_amount)') }} as usage_net_amount
    from {{ ref('fct_copilot_user_usage') }}
    group by billing_account_id, usage_date, seat_holder_login
),

joined as (
    select
        coalesce(seats.billing_account_id, usage.billing_account_id) as billing_account_id,
        coalesce(seats.usage_date, usage.usage_date) as usage_date,
        coalesce(seats.seat_holder_login, usage.seat_holder_login) as seat_holder_login,
        coalesce(seats.billed_seats, 0) as billed_seats,
        seats.is_idle,
        coalesce(seats.seat_gross_amount, 0) + coalesce(usage.usage_gross_amount, 0) as gross_amount,
        coalesce(seats.seat_discount_amount, 0) + coalesce(usage.usage_discount_amount, 0)
            as discount_amount,
        coalesce(seats.seat_net_amount, 0) + coalesce(usage.usage_net_amount, 0) as net_amount,
        {{ money('coalesce(seats.seat_net_amount, 0)') }} as seat_net_amount,
        {{ money('coalesce(usage.usage_net_amount, 0)') }} as usage_net_amount,
        {{ money('coalesce(seats.list_price_estimate_amount, 0)') }} as list_price_estimate_amount
    from seats
    full outer join usage
        on seats.billing_account_id = usage.billing_account_id
        and seats.usage_date = usage.usage_date
        and seats.seat_holder_login = usage.seat_holder_login
)

select
    {{ surrogate_key(['billing_account_id', 'usage_date', 'seat_holder_login']) }}
        as daily_seat_holder_cost_id,
    billing_account_id,
    usage_date,
    seat_holder_login,
    billed_seats,
    is_idle,
    {{ money('gross_amount') }} as gross_amount,
    {{ money('discount_amount') }} as discount_amount,
    {{ money('net_amount') }} as net_amount,
    seat_net_amount,
    usage_net_amount,
    list_price_estimate_amount,
    {{ seat_days_load_watermark() }} as built_through_load_id
from joined
