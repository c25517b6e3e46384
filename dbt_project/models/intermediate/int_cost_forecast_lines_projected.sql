-- Month-end projection of each forecast line (cost center x organization x product x licence
-- or metered) as of a day: the newest loaded day, and the backtest day of every complete month
-- with four weeks of history before it.
--   metered lines: each remaining day of the month is the mean of the same weekday over the
--     last four weeks (exactly four of each weekday), in gross dollars, times the line's
--     net/gross ratio of the last seven days (included usage already spent stays spent);
--     low/high take the lowest/highest same weekday instead of the mean (a weekday with a day
--     without usage has 0 as its lowest);
--   licence lines (seats, prorated per day): a step function, the as-of day's cost repeated.
-- The remaining days' weekdays come from arithmetic on the as-of day, not a calendar of
-- future days: the day `m` days before the as-of day shares its weekday with the remaining
-- day at offset j = 7 - (m mod 7), and the month has floor((n - j) / 7) + 1 such days of the
-- n remaining when j <= n.
with usage_costs as (
    select * from {{ ref('fct_usage_costs') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

lines as (
    select
        billing_account_id,
        usage_date,
        cost_center_id,
        organization_name,
        product,
        is_seat_licence,
        sum(gross_amount) as gross_amount,
        sum(net_amount) as net_amount
    from usage_costs
    group by billing_account_id, usage_date, cost_center_id, organization_name, product, is_seat_licence
),

-- each account's own loaded days: its forecast is as of its newest one
bounds as (
    select billing_account_id, min(usage_date) as first_day, max(usage_date) as last_day
    from lines
    group by billing_account_id
),

as_of_days as (
    select bounds.billing_account_id, bounds.last_day as as_of_date, true as is_current
    from bounds
    where bounds.last_day is not null
    union all
    select bounds.billing_account_id, dates.date_day, false
    from dates
    cross join bounds
    where dates.day_of_month = {{ var('forecast_backtest_day') }}
        and dates.date_day >= {{ day_offset('bounds.first_day', 27) }}
        and {{ day_offset('dates.month_start_date', 'dates.days_in_month - 1') }} <= bounds.last_day
),

as_of as (
    select
        as_of_days.billing_account_id,
        as_of_days.as_of_date,
        as_of_days.is_current,
        dates.month_start_date,
        dates.days_in_month,
        dates.day_of_month,
        dates.days_in_month - dates.day_of_month as remaining_days
    from as_of_days
    inner join dates on dates.date_day = as_of_days.as_of_date
),

observed as (
    select
        as_of.as_of_date,
        as_of.is_current,
        as_of.month_start_date,
        as_of.days_in_month,
        as_of.remaining_days,
        lines.billing_account_id,
        lines.cost_center_id,
        lines.organization_name,
        lines.product,
        lines.is_seat_licence,
        lines.usage_date,
        lines.gross_amount,
        lines.net_amount,
        {{ dbt.datediff('lines.usage_date', 'as_of.as_of_date', 'day') }} as days_before
    from as_of
    inner join lines
        on lines.billing_account_id = as_of.billing_account_id
        and lines.usage_date <= as_of.as_of_date
        and (
            lines.usage_date >= as_of.month_start_date
            or lines.usage_date >= {{ day_offset('as_of.as_of_date', -27) }}
        )
),

line_totals as (
    select
        as_of_date,
        is_current,
        month_start_date,
        days_in_month,
        remaining_days,
        billing_account_id,
        cost_center_id,
        organization_name,
        product,
        is_seat_licence,
        sum(case when usage_date >= month_start_date then net_amount else 0 end)
            as month_to_date_net_amount,
        sum(case when days_before = 0 then net_amount else 0 end) as as_of_day_net_amount,
        sum(case when days_before < 7 then gross_amount else 0 end) as last_week_gross_amount,
        sum(case when days_before < 7 then net_amount else 0 end) as last_week_net_amount
    from observed
    group by
        as_of_date, is_current, month_start_date, days_in_month, remaining_days,
        billing_account_id, cost_center_id, organization_name, product, is_seat_licence
),

weekday_slots as (
    select
        as_of_date,
        billing_account_id,
        cost_center_id,
        organization_name,
        product,
        is_seat_licence,
        remaining_days,
        7 - (days_before % 7) as remaining_offset,
        sum(gross_amount) as slot_gross_amount,
        case when count(*) < 4 then 0 else min(gross_amount) end as slot_low_gross_amount,
        max(gross_amount) as slot_high_gross_amount
    from observed
    where days_before < 28
    group by
        as_of_date, billing_account_id, cost_center_id, organization_name, product,
        is_seat_licence, remaining_days, 7 - (days_before % 7)
),

slot_projection as (
    select
        as_of_date,
        billing_account_id,
        cost_center_id,
        organization_name,
        product,
        is_seat_licence,
        sum(remaining_count * slot_gross_amount) / 4 as projected_gross_amount,
        sum(remaining_count * slot_low_gross_amount) as projected_low_gross_amount,
        sum(remaining_count * slot_high_gross_amount) as projected_high_gross_amount
    from (
        select
            *,
            case
                when remaining_days >= remaining_offset
                    then cast(floor((remaining_days - remaining_offset) / 7.0) as integer) + 1
                else 0
            end as remaining_count
        from weekday_slots
    ) as counted
    group by
        as_of_date, billing_account_id, cost_center_id, organization_name, product, is_seat_licence
),

projected as (
    select
        line_totals.*,
        case
            when line_totals.last_week_gross_amount > 0
                then line_totals.last_week_net_amount / line_totals.last_week_gross_amount
            else 1
        end as net_ratio,
        coalesce(slot_projection.projected_gross_amount, 0) as projected_gross_amount,
        coalesce(slot_projection.projected_low_gross_amount, 0) as projected_low_gross_amount,
        coalesce(slot_projection.projected_high_gross_amount, 0) as projected_high_gross_amount
    from line_totals
    left join slot_projection
        on slot_projection.as_of_date = line_totals.as_of_date
        and slot_projection.billing_account_id = line_totals.billing_account_id
        and slot_projection.cost_center_id = line_totals.cost_center_id
        and slot_projection.organization_name = line_totals.organization_name
        and slot_projection.product = line_totals.product
        and slot_projection.is_seat_licence = line_totals.is_seat_licence
)

select
    {{ surrogate_key(['projected.billing_account_id', 'projected.as_of_date', 'projected.cost_center_id', 'projected.organization_name', 'projected.product', 'projected.is_seat_licence']) }}
        as forecast_line_id,
    projected.as_of_date,
    projected.is_current,
    projected.month_start_date,
    projected.days_in_month,
    projected.remaining_days,
    projected.billing_account_id,
    projected.cost_center_id,
    projected.organization_name,
    projected.product,
    projected.is_seat_licence,
    {{ money('projected.month_to_date_net_amount') }} as month_to_date_net_amount,
    {{ money("case when projected.is_seat_licence then projected.as_of_day_net_amount * projected.remaining_days else projected.projected_gross_amount * projected.net_ratio end") }}
        as projected_remaining_amount,
    {{ money("case when projected.is_seat_licence then projected.as_of_day_net_amount * projected.remaining_days else projected.projected_low_gross_amount * projected.net_ratio end") }}
        as projected_remaining_low_amount,
    {{ money("case when projected.is_seat_licence then projected.as_of_day_net_amount * projected.remaining_days else projected.projected_high_gross_amount * projected.net_ratio end") }}
        as projected_remaining_high_amount
from projected
