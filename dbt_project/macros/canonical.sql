{#- The canonical name of one of GitHub's spellings of a `sku`, `product` or `unit`
    (github_spellings), or the spelling itself, normalised, when the catalogue has no entry. -#}
{% macro canonical(kind, expression) -%}
    coalesce(
        (
            select spellings.canonical
            from {{ ref('github_spellings') }} as spellings
            where spellings.kind = '{{ kind }}' and spellings.spelling = {{ normalise_key(expression) }}
        ),
        {{ normalise_key(expression) }}
    )
{%- endmacro %}
