{#- One share of `amount` split over `n` rows, exact to 1e-12: every row gets the truncated
    quotient and the first |remainder| rows (by `row_number`) one more unit, so the shares always
    add up to `amount`. In integer units of 1e-12 because a division of decimals is not exact
    (DuckDB's goes through DOUBLE). Engines differ only in their exact integer type. -#}
{% macro allocate_evenly(amount, n, row_number) -%}
    {{ return(adapter.dispatch('allocate_evenly', 'github_billing')(amount, n, row_number)) }}
{%- endmacro %}

{% macro duckdb__allocate_evenly(amount, n, row_number) -%}
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

{#- numeric is exact: div() truncates towards zero and mod() takes the dividend's sign, as
    DuckDB's // and % on hugeint do. -#}
{% macro default__allocate_evenly(amount, n, row_number) -%}
    {%- set units = 'cast(' ~ amount ~ ' * 1000000000000 as decimal(38, 0))' -%}
    cast(
        (
            div({{ units }}, {{ n }})
            + case
                when {{ row_number }} <= abs(mod({{ units }}, {{ n }}))
                    then sign(mod({{ units }}, {{ n }}))
                else 0
            end
        ) * cast(0.000000000001 as decimal(38, 12))
        as decimal(38, 12)
    )
{%- endmacro %}
