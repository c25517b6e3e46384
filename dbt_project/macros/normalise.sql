{#- GitHub's casing drifts (`Actions Linux`, `actions_linux`, `Minutes`, `minutes`): one lower
    snake-case key, the same rule as pipelines/github_billing/rows.py::normalise_key. -#}
{% macro normalise_key(expression) -%}
    trim(regexp_replace(lower(trim({{ expression }})), '[^0-9a-z]+', '_', 'g'), '_')
{%- endmacro %}

{#- GitHub sends `2025-01-01` or `2025-01-01T00:00:00Z` (or with an offset): the UTC day. -#}
{% macro utc_date(expression) -%}
    case
        when {{ expression }} is null or trim({{ expression }}) = '' then null
        when length(trim({{ expression }})) = 10 then cast(trim({{ expression }}) as date)
        else cast(timezone('UTC', cast(trim({{ expression }}) as timestamptz)) as date)
    end
{%- endmacro %}

{#- A timestamp with time zone as a naive UTC timestamp, whatever the session's zone. -#}
{% macro utc_timestamp(expression) -%}
    timezone('UTC', {{ expression }})
{%- endmacro %}

{#- The casing-drift columns every billing item carries: normalised keys beside GitHub's raw
    spellings. -#}
{% macro casing_columns() -%}
        {{ normalise_key('coalesce(product_raw, product)') }} as product,
        product_raw,
        {{ normalise_key('coalesce(sku_raw, sku)') }} as sku,
        sku_raw,
        {{ normalise_key('coalesce(unit_type_raw, unit_type)') }} as unit_type,
        unit_type_raw
{%- endmacro %}
