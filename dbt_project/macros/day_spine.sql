{#- One row per day, `date_day`, from `first_day` to `last_day` (SQL date expressions, which may
    be subqueries): dbt's portable generate_series over at most 16,384 days (44 years).
    dbt.date_spine needs its bounds when the model compiles; these come from the data. -#}
{% macro day_spine(first_day, last_day) -%}
    select
        cast({{ dbt.dateadd('day', 'numbers.generated_number - 1', 'bounds.first_day') }} as date)
            as date_day
    from ({{ dbt.generate_series(16384) }}) as numbers
    cross join (select {{ first_day }} as first_day, {{ last_day }} as last_day) as bounds
    where numbers.generated_number - 1 <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}
{%- endmacro %}
