{#- What a row bills (`licence`, `minutes`, `premium_requests`, `ai_credits`, ...) from the SKU
    catalogue row `skus` joined to it (`left join github_skus as skus on skus.sku = ...sku`);
    for a SKU the catalogue does not know, what its unit says about Copilot usage (the same
    rule as pipelines/github_billing/catalogue.py::billing_unit). -#}
{% macro billing_unit(relation, skus='skus') -%}
    coalesce(
        {{ skus }}.billing_unit,
        case {{ relation }}.unit_type
            when 'ai_credits' then 'ai_credits'
            when 'requests' then 'premium_requests'
        end
    )
{%- endmacro %}

{#- Whether a row is a Copilot seat licence line, allocated to seat holders. -#}
{% macro is_seat_licence(skus='skus') -%}
    coalesce({{ skus }}.is_seat_licence, false)
{%- endmacro %}
