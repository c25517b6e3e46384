{#- GitHub's canonical unit (catalogue `unit_type`) in FOCUS's UnitFormat: data sizes
    abbreviated (`GB`), time units capitalised and plural (`GB-Hours`, `Minutes`), counts as a
    capitalised plural noun. A unit the catalogue does not know passes through as GitHub spelled
    it (normalised), so nothing is guessed. -#}
{% macro focus_unit(unit_type) -%}
    case {{ unit_type }}
        when 'minutes' then 'Minutes'
        when 'hours' then 'Hours'
        when 'gigabyte_hours' then 'GB-Hours'
        when 'gigabyte_months' then 'GB-Months'
        when 'gigabytes' then 'GB'
        when 'user_months' then 'User-Months'
        when 'requests' then 'Requests'
        when 'ai_credits' then 'Credits'
        else {{ unit_type }}
    end
{%- endmacro %}
