{#- Staging of GitHub's by-model Copilot usage: premium_request_usage and ai_credit_usage have
    one shape (only the billing unit differs), so both staging models are this one query. -#}
{% macro stage_model_usage(table_name) -%}
with source as (
    {{ source_or_empty('github_billing', table_name) }}
),

catalogued as (
    {{ catalogued('source') }}
),

renamed as (
    select
        _dlt_id as {{ table_name }}_id,
        usage_date,
        cost_center_id,
        cost_center_name,
        coalesce(model, '') as model_name,
        {{ catalogue_columns('catalogued') }},
        {{ amount_and_load_columns(['gross_quantity', 'discount_quantity', 'net_quantity']) }}
    from catalogued
)

select * from renamed
{%- endmacro %}
