with scored as (
    select * from {{ ref('int_cost_series_days_scored') }}
),

cost_centers as (
    select * from {{ ref('dim_cost_centers') }}
),

flagged as (
    select *
    from scored
    where is_spike or is_new_cost
)

select
    flagged.series_day_id as anomaly_id,
    flagged.billing_account_id,
    flagged.usage_date,
    flagged.series_type,
    flagged.series_name,
    coalesce(cost_centers.cost_center_name, flagged.series_name) as series_label,
    case when flagged.is_new_cost then 'new_cost' else 'spike' end as anomaly_kind,
    '{{ var("anomaly_measure") }}' as measure,
    flagged.measured_value,
    flagged.expected_value,
    flagged.weekday_score,
    flagged.rolling_score,
    flagged.anomaly_score,
    flagged.gross_amount,
    flagged.expected_gross_amount,
    flagged.impact_amount,
    flagged.series_mean_gross_amount,
    flagged.history_days,
    flagged.is_provisional
from flagged
left join cost_centers
    on flagged.series_type = 'cost_center'
    and cost_centers.billing_account_id = flagged.billing_account_id
    and cost_centers.cost_center_id = flagged.series_name
