{#- Keeps each invocation's data and unit test outcomes in the DuckDB file beside the run log
    (schema github_billing_ops, as pipelines/ops.py names it), so the cost report shows the
    tests of the build that made the marts it reads, not whatever target/ holds from another
    database. Runs as on-run-end; an invocation without tests writes nothing. -#}
{% macro record_test_results(results) %}
    {%- if execute -%}
        {%- set rows = [] -%}
        {%- for result in results if result.node.resource_type in ('test', 'unit_test') -%}
            {%- set meta = result.node.test_metadata -%}
            {%- set kind = 'unit' if result.node.resource_type == 'unit_test'
                else (meta.name if meta else 'singular') -%}
            {%- set message = (result.message or '') | string -%}
            {%- do rows.append(
                "('" ~ invocation_id ~ "', '" ~ run_started_at.isoformat() ~ "', '"
                ~ result.node.name | replace("'", "''") ~ "', '" ~ kind ~ "', '"
                ~ result.status ~ "', " ~ (result.failures or 0) ~ ", '"
                ~ message[:500] | replace("'", "''") ~ "')"
            ) -%}
        {%- endfor -%}
        {%- if rows -%}
            {%- do run_query("create schema if not exists github_billing_ops") -%}
            {%- do run_query(
                "create table if not exists github_billing_ops.dbt_test_results ("
                ~ "invocation_id varchar, run_started_at timestamptz, test_name varchar, "
                ~ "test_type varchar, status varchar, failures bigint, message varchar)"
            ) -%}
            {%- do run_query(
                "insert into github_billing_ops.dbt_test_results values " ~ rows | join(', ')
            ) -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
