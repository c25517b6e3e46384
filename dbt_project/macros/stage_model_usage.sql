{#- Staging of GitHub's by-model Copilot usage: premium_request_usage and ai_credit_usage have
    one shape (only the billing unit differs), so both staging models are this one query. -#}
{% macro stage_model_usage(table_name) -%}
with source as (
    {{ source_or_empty('github_billing', table_name) }}
),

renamed as (
    select
        _dlt_id as {{ table_name }}_id,
        usage_date,
        cost_center_id,
        cost_center_name,
        coalesce(model, '') as model_name,
        {{ casing_columns() }},
        {{ money('price_per_unit') }} as price_per_unit,
        {{ money('gross_quantity') }} as gross_quantity,
        {{ money('discount_quantity') }} as discount_quantity,
        {{ money('net_quantity') }} as net_quantity,
        {{ money('gross_amount') }} as gross_amount,
        {{ money('discount_amount') }} as discount_amount,
        {{ money('net_amount') }} as net_amount,
        {{ utc_timestamp('extracted_at') }} as extracted_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
{%- endmacro %}
