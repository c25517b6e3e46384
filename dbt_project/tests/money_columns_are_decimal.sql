-- Money is never DOUBLE: every *_amount column of every mart is DECIMAL(38,12) (PostgreSQL
-- says numeric(38,12)), aggregates included (PostgreSQL's sum() of numeric(38,12) is an
-- unconstrained numeric unless cast).
-- Runs after the marts it reads the types of:
-- depends_on: {{ ref('fct_usage_costs') }}
-- depends_on: {{ ref('fct_copilot_seat_days') }}
-- depends_on: {{ ref('fct_daily_cost_by_seat_holder') }}
-- depends_on: {{ ref('fct_copilot_model_usage') }}
-- depends_on: {{ ref('fct_copilot_user_usage') }}
-- depends_on: {{ ref('fct_actions_usage_by_workflow') }}
-- depends_on: {{ ref('fct_daily_cost_by_cost_center') }}
-- depends_on: {{ ref('fct_daily_cost_by_organization') }}
-- depends_on: {{ ref('fct_daily_cost_by_repository') }}
-- depends_on: {{ ref('fct_daily_cost_by_model') }}
-- depends_on: {{ ref('dim_cost_centers') }}
-- depends_on: {{ ref('idle_copilot_seats') }}
select table_name, column_name, data_type, numeric_precision, numeric_scale
from information_schema.columns
where table_schema = 'marts'
    and (column_name like '%\_amount' escape '\' or column_name in ('monthly_cost', 'price_per_unit'))
    and (
        (lower(data_type) not like 'decimal%' and lower(data_type) <> 'numeric')
        or numeric_precision is distinct from 38
        or numeric_scale is distinct from 12
    )
