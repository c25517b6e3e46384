-- Each series day against two baselines: the same weekday of the previous eight weeks (the
-- weekly rhythm) and the previous 28 days (the recent level). A day is unusual only when both
-- say so; the spread has a floor (5 % of the mean, a cent) so flat lines such as seat
-- licences do not divide by zero.
with series_days as (
    select * from {{ ref('int_cost_series_days_filled') }}
),

measured as (
    select
        *,
        {% if var('anomaly_measure') == 'quantity' %}quantity{% else %}gross_amount{% endif %}
            as measured_value,
        row_number() over (
            partition by billing_account_id, series_type, series_name order by usage_date
        ) - 1 as history_days
    from series_days
),

windowed as (
    select
        *,
        avg(measured_value) over rolling as rolling_mean,
        stddev_samp(measured_value) over rolling as rolling_stddev,
        avg(gross_amount) over rolling as rolling_mean_gross,
        avg(measured_value) over same_weekday as weekday_mean,
        stddev_samp(measured_value) over same_weekday as weekday_stddev,
        avg(gross_amount) over same_weekday as weekday_mean_gross,
        count(*) over same_weekday as weekday_points,
        sum(gross_amount) over quiet_period as gross_in_quiet_period
    from measured
    window
        rolling as (
            partition by billing_account_id, series_type, series_name order by usage_date
            rows between 28 preceding and 1 preceding
        ),
        same_weekday as (
            partition by billing_account_id, series_type, series_name, iso_day_of_week order by usage_date
            rows between 8 preceding and 1 preceding
        ),
        quiet_period as (
            partition by billing_account_id, series_type, series_name order by usage_date
            rows between {{ var('new_cost_quiet_days') }} preceding and 1 preceding
        )
),

expected as (
    select
        *,
        case when weekday_points >= 2 then weekday_mean else rolling_mean end as expected_value,
        case when weekday_points >= 2 then weekday_mean_gross else rolling_mean_gross end
            as expected_gross,
        (measured_value - weekday_mean) / (
            case
                when coalesce(weekday_stddev, 0) > abs(weekday_mean) * 0.05
                    and coalesce(weekday_stddev, 0) > 0.01 then weekday_stddev
                when abs(weekday_mean) * 0.05 > 0.01 then abs(weekday_mean) * 0.05
                else 0.01
            end
        ) as weekday_score,
        (measured_value - rolling_mean) / (
            case
                when coalesce(rolling_stddev, 0) > abs(rolling_mean) * 0.05
                    and coalesce(rolling_stddev, 0) > 0.01 then rolling_stddev
                when abs(rolling_mean) * 0.05 > 0.01 then abs(rolling_mean) * 0.05
                else 0.01
            end
        ) as rolling_score
    from windowed
),

bounds as (
    select billing_account_id, min(usage_date) as first_day, max(usage_date) as last_day
    from series_days
    group by billing_account_id
)

select
    expected.series_day_id,
    expected.billing_account_id,
    expected.series_type,
    expected.series_name,
    expected.usage_date,
    expected.history_days,
    expected.measured_value,
    expected.expected_value,
    cast(expected.weekday_score as decimal(18, 6)) as weekday_score,
    cast(expected.rolling_score as decimal(18, 6)) as rolling_score,
    cast(
        case when expected.weekday_score < expected.rolling_score
            then expected.weekday_score else expected.rolling_score end
        as decimal(18, 6)
    ) as anomaly_score,
    expected.gross_amount,
    {{ money('expected.expected_gross') }} as expected_gross_amount,
    {{ money('expected.gross_amount - expected.expected_gross') }} as impact_amount,
    {{ money('expected.rolling_mean_gross') }} as series_mean_gross_amount,
    coalesce(
        expected.history_days >= {{ var('anomaly_min_history_days') }}
        and expected.weekday_score >= {{ var('anomaly_min_score') }}
        and expected.rolling_score >= {{ var('anomaly_min_score') }}
        and expected.gross_amount - expected.expected_gross >= {{ var('anomaly_min_impact_dollars') }}
        and expected.gross_amount - expected.expected_gross
            >= {{ var('anomaly_min_share_of_mean') }} * expected.rolling_mean_gross,
        false
    ) as is_spike,
    coalesce(
        expected.series_type in ('sku', 'model', 'repository')
        and expected.gross_amount >= {{ var('new_cost_min_dollars') }}
        and coalesce(expected.gross_in_quiet_period, 0) = 0
        and expected.usage_date
            >= {{ day_offset('bounds.first_day', var('new_cost_quiet_days')) }},
        false
    ) as is_new_cost,
    expected.usage_date > {{ day_offset('bounds.last_day', -var('anomaly_provisional_days')) }}
        as is_provisional
from expected
inner join bounds using (billing_account_id)
