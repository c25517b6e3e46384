{#- Usage reports (CSV) carry cost center names; the marts key them by id. Keeps, per row of
    `rows` (a relation with billing_account_id, usage_date, cost_center_name and the unique `row_id`), the cost
    center that attributed on that day (a deleted and a new one may share a name), active
    first, then the lowest id; a name no loaded cost center has stays visible as
    'unresolved:<name>'. A query: every column of `rows` plus `cost_center_id`. -#}
{% macro resolve_cost_center(rows, row_id) -%}
    select {{ rows }}.*, resolved.cost_center_id
    from {{ rows }}
    inner join (
        select {{ row_id }}, cost_center_id
        from (
            select
                {{ rows }}.{{ row_id }},
                coalesce(names.cost_center_id, 'unresolved:' || {{ rows }}.cost_center_name)
                    as cost_center_id,
                row_number() over (
                    partition by {{ rows }}.{{ row_id }}
                    order by
                        case when {{ rows }}.usage_date <= names.attributes_until then 0 else 1 end,
                        case when names.cost_center_state = 'active' then 0 else 1 end,
                        names.cost_center_id
                ) as name_rank
            from {{ rows }}
            left join {{ ref('int_cost_center_names_resolved') }} as names
                on names.billing_account_id = {{ rows }}.billing_account_id
                and names.cost_center_name = {{ rows }}.cost_center_name
        ) as ranked
        where name_rank = 1
    ) as resolved
        on resolved.{{ row_id }} = {{ rows }}.{{ row_id }}
{%- endmacro %}
