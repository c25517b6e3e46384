{#- Money type of every model: wide and exact, never DOUBLE (DECIMAL(38,12) on DuckDB,
    numeric(38,12) on PostgreSQL). -#}
{% macro money(expression) -%}
    cast({{ expression }} as decimal(38, 12))
{%- endmacro %}

{#- A deterministic key from several columns (dbt_utils' surrogate key, which we cannot
    install offline): the same text, so the same key, on every engine. -#}
{% macro surrogate_key(columns) -%}
    {%- set fields = [] -%}
    {%- for column in columns -%}
        {%- do fields.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
        {%- if not loop.last %}{% do fields.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(fields)) }}
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
