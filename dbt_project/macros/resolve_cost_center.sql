{#- Usage reports (CSV) carry cost center names; the marts key them by id. Joins `rows` (an
    alias with usage_date, cost_center_name and the unique `row_id`) to the names and keeps, per
    row, the cost center that attributed on that day (a deleted and a new one may share a name),
    active first, then the lowest id. A name no loaded cost center has stays visible as
    'unresolved:<name>'. Use in a select list `..., {{ resolved_cost_center_id('rows') }}` with
    `{{ resolve_cost_center_join('rows', 'row_id') }}` after the from clause. -#}
{% macro resolved_cost_center_id(rows) -%}
    coalesce(names.cost_center_id, 'unresolved:' || {{ rows }}.cost_center_name) as cost_center_id
{%- endmacro %}

{% macro resolve_cost_center_join(rows, row_id) -%}
left join {{ ref('int_cost_center_names_resolved') }} as names
    on names.cost_center_name = {{ rows }}.cost_center_name
qualify row_number() over (
    partition by {{ rows }}.{{ row_id }}
    order by
        {{ rows }}.usage_date <= names.attributes_until desc,
        names.cost_center_state = 'active' desc,
        names.cost_center_id
) = 1
{%- endmacro %}
