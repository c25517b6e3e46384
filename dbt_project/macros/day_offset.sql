{#- The date `days` days after `expression` (before when negative), a DATE on every engine
    (dbt.dateadd yields a timestamp on PostgreSQL). -#}
{% macro day_offset(expression, days) -%}
    cast({{ dbt.dateadd('day', days, expression) }} as date)
{%- endmacro %}
