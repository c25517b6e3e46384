{#- A timestamp with time zone as a naive UTC timestamp, whatever the session's zone. (Dates,
    casing and GitHub's spellings are canonical in the raw tables already: the loader's rule,
    see pipelines/github_billing/contract.py.) -#}
{% macro utc_timestamp(expression) -%}
    ({{ expression }} at time zone 'UTC')
{%- endmacro %}
