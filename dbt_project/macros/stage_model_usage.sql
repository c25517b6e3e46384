{#- Staging of GitHub's by-model Copilot usage: premium_request_usage and ai_credit_usage have
    one shape (only the billing unit differs), so both staging models are this one query. -#}
{% macro stage_model_usage(table_name) -%}
with source as (
    select * from {{ source('github_billing', table_name) }}
),

renamed as (
    select
        billing_account_id,
        _dlt_id as {{ table_name }}_id,
        usage_date,
        cost_center_id,
        cost_center_name,
        coalesce(model, '') as model_name,  -- '' on PostgreSQL arrives NULL (see usage_items)
        product,
        product_raw,
        sku,
        sku_raw,
        unit_type,
        unit_type_raw,
        {{ amount_and_load_columns(['gross_quantity', 'discount_quantity', 'net_quantity']) }}
    from source
)

select * from renamed
{%- endmacro %}
