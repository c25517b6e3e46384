{#- True on a cost line of Copilot's AI credits, whatever GitHub calls the SKU: `/usage` says
    "Copilot AI Credits" (copilot_ai_credits), some usage reports the interim "AI units"
    (copilot_ai_unit, coding_agent_ai_unit; tests/fixtures/real/README.md #2). A backfill read
    from reports and a day read through JSON must feed the same pools and budgets. -#}
{% macro is_copilot_ai_credit(relation) -%}
    ({{ relation }}.product = 'copilot' and {{ relation }}.billing_unit = 'ai_credits')
{%- endmacro %}
