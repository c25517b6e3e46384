{#- The distinct non-null values of `column` per `keys`, as one ', '-separated sorted text
    `alias`: a query (string_agg(distinct ... order by ...) is not portable). -#}
{% macro distinct_list(relation, keys, column, alias) -%}
    select {{ keys | join(', ') }}, {{ dbt.listagg(column, "', '", 'order by ' ~ column) }} as {{ alias }}
    from (select distinct {{ keys | join(', ') }}, {{ column }} from {{ relation }}) as distinct_values
    group by {{ keys | join(', ') }}
{%- endmacro %}
