{#- GitHub's casing drifts (`Actions Linux`, `actions_linux`, `Minutes`, `minutes`): one lower
    snake-case key, the same rule as pipelines/github_billing/catalogue.py::normalise_key. -#}
{% macro normalise_key(expression) -%}
    trim(both '_' from regexp_replace(lower(trim({{ expression }})), '[^0-9a-z]+', '_', 'g'))
{%- endmacro %}

{#- GitHub sends `2025-01-01` or `2025-01-01T00:00:00Z` (or with an offset): the UTC day. -#}
{% macro utc_date(expression) -%}
    case
        when {{ expression }} is null or trim({{ expression }}) = '' then null
        when length(trim({{ expression }})) = 10 then cast(trim({{ expression }}) as date)
        else cast({{ utc_timestamp('cast(trim(' ~ expression ~ ') as timestamp with time zone)') }} as date)
    end
{%- endmacro %}

{#- A timestamp with time zone as a naive UTC timestamp, whatever the session's zone. -#}
{% macro utc_timestamp(expression) -%}
    ({{ expression }} at time zone 'UTC')
{%- endmacro %}
