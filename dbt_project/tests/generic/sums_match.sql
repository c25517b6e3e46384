{#- Reconciliation: per `group_by`, sum(column_name) in this model equals sum(compare_column)
    in `compare_model`, within var('reconciliation_tolerance') (far below a cent). Groups present
    on only one side count as a difference too. -#}
{% test sums_match(model, column_name, compare_model, group_by, compare_column=none, compare_where='1 = 1', where_clause='1 = 1') %}
{%- set compare_column = compare_column or column_name -%}
with this_side as (
    select {{ group_by | join(', ') }}, sum({{ column_name }}) as amount
    from {{ model }}
    where {{ where_clause }}
    group by {{ group_by | join(', ') }}
),
other_side as (
    select {{ group_by | join(', ') }}, sum({{ compare_column }}) as amount
    from {{ compare_model }}
    where {{ compare_where }}
    group by {{ group_by | join(', ') }}
)
select
    {% for column in group_by %}coalesce(this_side.{{ column }}, other_side.{{ column }}) as {{ column }},
    {% endfor %}this_side.amount as model_amount,
    other_side.amount as compare_amount
from this_side
full outer join other_side
    on {% for column in group_by %}this_side.{{ column }} is not distinct from other_side.{{ column }}{% if not loop.last %} and {% endif %}{% endfor %}
where abs(coalesce(this_side.amount, 0) - coalesce(other_side.amount, 0)) > {{ var('reconciliation_tolerance') }}
{% endtest %}
