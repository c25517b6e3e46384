{#- GitHub's product, SKU and unit of a billing row in their canonical names, beside GitHub's
    raw spellings, read from the catalogue seeds (github_spellings, github_skus) that the
    loader reads too (pipelines/github_billing/catalogue.py): `Copilot for Business` and
    `copilot_business` are both `copilot_for_business`, `GigabyteHours` and `gigabyte-hours`
    both `gigabyte_hours`. A spelling the catalogue does not know stays as GitHub spelled it,
    normalised; dim_products flags it. The product of a known SKU is the catalogue's. Columns
    are qualified with `relation` because the catalogue's own columns share their names. -#}
{% macro catalogue_columns(relation='source') -%}
    {%- set sku = canonical('sku', 'coalesce(' ~ relation ~ '.sku_raw, ' ~ relation ~ '.sku)') -%}
        coalesce(
            (select skus.product from {{ ref('github_skus') }} as skus where skus.sku = {{ sku }}),
            {{ canonical('product', 'coalesce(' ~ relation ~ '.product_raw, ' ~ relation ~ '.product)') }}
        ) as product,
        {{ relation }}.product_raw,
        {{ sku }} as sku,
        {{ relation }}.sku_raw,
        {{ canonical('unit', 'coalesce(' ~ relation ~ '.unit_type_raw, ' ~ relation ~ '.unit_type)') }} as unit_type,
        {{ relation }}.unit_type_raw
{%- endmacro %}
