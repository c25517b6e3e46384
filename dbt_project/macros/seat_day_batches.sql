{#- The seat-day chain (int_copilot_seat_days_expanded -> _attributed -> int_copilot_seat_costs_allocated
    -> fct_copilot_seat_days -> fct_daily_cost_by_seat_holder) is seats x days: 3.65 M rows a year
    at 10,000 seats. Its models are dbt `microbatch` incremental models with one batch per day
    (`event_time: usage_date`): every rule of the chain is per day, so a build replaces whole
    days, deleting what a day no longer has. A run rebuilds the days its load changed: the
    runner passes them as --event-time-start/--event-time-end (pipelines/rebuild_window.py);
    without them, dbt rebuilds the last `lookback_days` days before today. -#}

{#- The first and last day (SQL date literals) of the batch being built, for models whose
    inputs dbt does not filter to it; the whole range outside a batch (unit tests). -#}
{% macro batch_days() -%}
    {%- set batch = model.get('batch') if model is mapping else none -%}
    {%- set start = (batch or {}).get('event_time_start') -%}
    {%- set end = (batch or {}).get('event_time_end') -%}
    {%- set first = "date '" ~ (start | string)[:10] ~ "'" if start else "date '0001-01-01'" -%}
    {%- set last = ("cast(" ~ dbt.dateadd('day', -1, "date '" ~ (end | string)[:10] ~ "'") ~ " as date)")
        if end else "date '9999-12-31'" -%}
    {{ return({'first': first, 'last': last}) }}
{%- endmacro %}

{#- The newest raw load a build of the chain has seen, kept on every row it writes
    (`built_through_load_id`): rows loaded after it are new to the chain. dlt load ids are
    epoch seconds as text, so they order as text. -#}
{% macro seat_days_load_watermark() -%}
    {#- unit tests give a model only the inputs it selects from -#}
    {%- if model.resource_type == 'unit_test' -%}{{ return('cast(null as ' ~ dbt.type_string() ~ ')') }}{%- endif -%}
    {#- usage items through fct_usage_costs, a table: their view joins the catalogue -#}
    (select max(load_id) from (
        select max(last_dlt_load_id) as load_id from {{ ref('fct_usage_costs').render() }}
        union all
        select max(dlt_load_id) from {{ ref('stg_github_billing__copilot_seats') }}
        union all
        select max(dlt_load_id) from {{ ref('stg_github_billing__cost_center_resources') }}
        union all
        select max(dlt_load_id) from {{ ref('stg_github_billing__cost_centers') }}
        union all
        select max(dlt_load_id) from {{ ref('stg_github_billing__copilot_user_usage') }}
    ) as loads)
{%- endmacro %}

{#- Days in the month of a date (28 to 31). -#}
{% macro days_in_month(date) -%}
    extract(day from {{ dbt.last_day(date, 'month') }})
{%- endmacro %}
