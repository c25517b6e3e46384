{#- Money type of every model: wide and exact, never DOUBLE. -#}
{% macro money(expression) -%}
    cast({{ expression }} as decimal(38, 12))
{%- endmacro %}

{#- One share of `amount` split over `n` rows, exact to 1e-12: every row gets the truncated
    quotient and the first |remainder| rows (by `row_number`) one more unit, so the shares always
    add up to `amount` (division in DuckDB would go through DOUBLE). -#}
{% macro allocate_evenly(amount, n, row_number) -%}
    (
        (
            cast({{ amount }} * 1000000000000 as hugeint) // {{ n }}
            + case
                when {{ row_number }} <= abs(cast({{ amount }} * 1000000000000 as hugeint) % {{ n }})
                    then sign(cast({{ amount }} * 1000000000000 as hugeint) % {{ n }})
                else 0
            end
        ) * cast(0.000000000001 as decimal(38, 12))
    )
{%- endmacro %}

{#- A deterministic key from several columns (dbt_utils' surrogate key, which we cannot
    install offline). -#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|', {% for column in columns %}coalesce(cast({{ column }} as varchar), '<null>'){% if not loop.last %}, {% endif %}{% endfor %}))
{%- endmacro %}

{#- The amount columns every billing row carries, typed as money, and dlt's load bookkeeping:
    one list for every staging model. -#}
{% macro amount_and_load_columns(quantity_columns=['quantity']) -%}
        {{ money('price_per_unit') }} as price_per_unit,
        {%- for column in quantity_columns %}
        {{ money(column) }} as {{ column }},
        {%- endfor %}
        {{ money('gross_amount') }} as gross_amount,
        {{ money('discount_amount') }} as discount_amount,
        {{ money('net_amount') }} as net_amount,
        {{ utc_timestamp('extracted_at') }} as extracted_at,
        _dlt_load_id as dlt_load_id
{%- endmacro %}
