{#- dbt-postgres 1.11 implements microbatch as a merge on a `unique_key`: a rebuilt batch then
    keeps every row it no longer has (a seat-day of a seat cancelled since, an '(unassigned)'
    licence line a seat now explains). dbt's microbatch replaces whole batches, as dbt-duckdb
    (and dbt-snowflake) implement it: delete the batch's event-time window, insert the batch.
    This is that, for PostgreSQL; dbt dispatches to it from the root project. -#}
{% macro postgres__get_incremental_microbatch_sql(arg_dict) -%}
    {%- set event_time = config.get('event_time') -%}
    {%- set batch = model.get('batch') or {} -%}
    {%- if not (event_time and batch.get('event_time_start') and batch.get('event_time_end')) -%}
        {{ exceptions.raise_compiler_error("microbatch needs an `event_time` config and a batch window") }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set in_batch -%}
        {{ event_time }} >= '{{ batch.event_time_start }}' and {{ event_time }} < '{{ batch.event_time_end }}'
    {%- endset -%}
    delete from {{ arg_dict['target_relation'] }} where {{ in_batch }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }} where {{ in_batch }}
{%- endmacro %}
