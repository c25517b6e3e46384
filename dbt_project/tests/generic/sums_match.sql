{#- Reconciliation: per `group_by`, sum(column_name) in this model equals sum(compare_column)
    in `compare_model`, within var('reconciliation_tolerance') (far below a cent). Groups present
    on only one side count as a difference too; null keys match null keys (a union grouped,
    because PostgreSQL cannot full-join on `is not distinct from`). -#}
{% test sums_match(model, column_name, compare_model, group_by, compare_column=none, compare_where='1 = 1', where_clause='1 = 1') %}
{%- set compare_column = compare_column or column_name -%}
{%- set keys = group_by | join(', ') -%}
with this_side as (
    select {{ keys }}, sum({{ column_name }}) as amount
    from {{ model }}
    where {{ where_clause }}
    group by {{ keys }}
),
other_side as (
    select {{ keys }}, sum({{ compare_column }}) as amount
    from {{ compare_model }}
    where {{ compare_where }}
    group by {{ keys }}
),
both_sides as (
    select {{ keys }}, amount as model_amount, {{ money('null') }} as compare_amount from this_side
    union all
    select {{ keys }}, {{ money('null') }} as model_amount, amount as compare_amount from other_side
)
select {{ keys }}, sum(model_amount) as model_amount, sum(compare_amount) as compare_amount
from both_sides
group by {{ keys }}
having abs(coalesce(sum(model_amount), 0) - coalesce(sum(compare_amount), 0)) > {{ var('reconciliation_tolerance') }}
{% endtest %}
