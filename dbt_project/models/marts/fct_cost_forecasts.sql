-- Forecast lines of each account rolled up to the account ('total'), each cost center, organization and product.
-- Point forecasts and bands add up (a band's bounds are sums of each line's bounds). Backtest
-- rows (is_current false) carry the month's actual total and the forecast's error.
with lines as (
    select * from {{ ref('int_cost_forecast_lines_projected') }}
),

usage_costs as (
    select * from {{ ref('fct_usage_costs') }}
),

cost_centers as (
    select * from {{ ref('dim_cost_centers') }}
),

dimensioned as (
    select 'total' as dimension_type, 'enterprise' as dimension_name, lines.* from lines
    union all
    select 'cost_center', cost_center_id, lines.* from lines
    union all
    select 'organization', organization_name, lines.* from lines
    union all
    select 'product', product, lines.* from lines
),

forecasts as (
    select
        billing_account_id,
        dimension_type,
        dimension_name,
        as_of_date,
        is_current,
        month_start_date,
        days_in_month,
        remaining_days,
        sum(month_to_date_net_amount) as month_to_date_net_amount,
        sum(case when is_seat_licence then projected_remaining_amount else 0 end)
            as licence_remaining_amount,
        sum(projected_remaining_amount) as projected_remaining_amount,
        sum(projected_remaining_low_amount) as projected_remaining_low_amount,
        sum(projected_remaining_high_amount) as projected_remaining_high_amount
    from dimensioned
    group by
        billing_account_id, dimension_type, dimension_name, as_of_date, is_current, month_start_date,
        days_in_month, remaining_days
),

actual_lines as (
    select
        billing_account_id,
        {{ month_start('usage_date') }} as month_start_date,
        cost_center_id,
        organization_name,
        product,
        net_amount
    from usage_costs
),

actuals as (
    select
        billing_account_id, 'total' as dimension_type, 'enterprise' as dimension_name,
        month_start_date, sum(net_amount) as net_amount
    from actual_lines group by billing_account_id, month_start_date
    union all
    select billing_account_id, 'cost_center', cost_center_id, month_start_date, sum(net_amount)
    from actual_lines group by billing_account_id, cost_center_id, month_start_date
    union all
    select billing_account_id, 'organization', organization_name, month_start_date, sum(net_amount)
    from actual_lines group by billing_account_id, organization_name, month_start_date
    union all
    select billing_account_id, 'product', product, month_start_date, sum(net_amount)
    from actual_lines group by billing_account_id, product, month_start_date
),

final as (
    select
        forecasts.*,
        forecasts.month_to_date_net_amount + forecasts.projected_remaining_amount
            as forecast_net_amount,
        forecasts.month_to_date_net_amount + forecasts.projected_remaining_low_amount
            as forecast_low_amount,
        forecasts.month_to_date_net_amount + forecasts.projected_remaining_high_amount
            as forecast_high_amount,
        case when not forecasts.is_current then coalesce(actuals.net_amount, 0) end
            as actual_net_amount
    from forecasts
    left join actuals
        on actuals.billing_account_id = forecasts.billing_account_id
        and actuals.dimension_type = forecasts.dimension_type
        and actuals.dimension_name = forecasts.dimension_name
        and actuals.month_start_date = forecasts.month_start_date
)

select
    {{ surrogate_key(['final.billing_account_id', 'final.as_of_date', 'final.dimension_type', 'final.dimension_name']) }}
        as cost_forecast_id,
    final.billing_account_id,
    final.as_of_date,
    final.is_current,
    final.month_start_date,
    final.days_in_month,
    final.remaining_days,
    final.dimension_type,
    final.dimension_name,
    case
        when final.dimension_type = 'cost_center'
            then coalesce(cost_centers.cost_center_name, final.dimension_name)
        else final.dimension_name
    end as dimension_label,
    {{ money('final.month_to_date_net_amount') }} as month_to_date_net_amount,
    {{ money('final.licence_remaining_amount') }} as licence_remaining_amount,
    {{ money('final.projected_remaining_amount') }} as projected_remaining_amount,
    {{ money('final.forecast_net_amount') }} as forecast_net_amount,
    {{ money('final.forecast_low_amount') }} as forecast_low_amount,
    {{ money('final.forecast_high_amount') }} as forecast_high_amount,
    {{ money('final.actual_net_amount') }} as actual_net_amount,
    cast(
        case
            when final.actual_net_amount <> 0
                then 100 * (final.forecast_net_amount - final.actual_net_amount)
                    / final.actual_net_amount
        end as decimal(18, 6)
    ) as forecast_error_percent
from final
left join cost_centers
    on final.dimension_type = 'cost_center'
    and cost_centers.billing_account_id = final.billing_account_id
    and cost_centers.cost_center_id = final.dimension_name
