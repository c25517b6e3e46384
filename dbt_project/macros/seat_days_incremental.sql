{#- The seat-day chain (int_copilot_seat_days_expanded -> _attributed -> int_copilot_seat_costs_allocated
    -> fct_copilot_seat_days) is seats x days: 3.65 M rows a year at 10,000 seats. Rebuilding it
    every night made a one-day run cost as much as a year's (make bench, P3), so these models
    rebuild only the days on or after the first day anything they read has changed since their
    last build, and keep the rest. Every rule below is per day: seat-days, attribution and the
    allocation of a day's licence lines depend on that day's inputs only. -#}

{#- The newest raw load a build of the chain has seen: rows loaded after it are new to the
    chain. dlt load ids are epoch seconds as text, so they order as text. -#}
{% macro seat_days_load_watermark() -%}
    {#- unit tests give a model only the inputs it selects from -#}
    {%- if model.resource_type == 'unit_test' -%}{{ return('cast(null as varchar)') }}{%- endif -%}
    (select max(load_id) from (
        select max(dlt_load_id) as load_id from {{ ref('stg_github_billing__usage_items') }}
        union all
        select max(dlt_load_id) from {{ ref('stg_github_billing__copilot_seats') }}
        union all
        select max(dlt_load_id) from {{ ref('stg_github_billing__cost_center_resources') }}
        union all
        select max(dlt_load_id) from {{ ref('stg_github_billing__cost_centers') }}
        union all
        select max(dlt_load_id) from {{ ref('stg_github_billing__copilot_user_usage') }}
    ))
{%- endmacro %}

{#- The first day an incremental build rebuilds, as a SQL date literal; the earliest of:
    - the last `lookback_days` built days (GitHub restates them);
    - the first day of usage loaded since the last build (new days, restated days, a backfill,
      which also moves the first day seat-days start on), per-user usage included;
    - for each seat snapshot loaded since: the day after the seat's previous snapshot (a snapshot
      describes the days since the one before it), or its grant day when it is a new seat or
      its grant moved earlier;
    - for each cost-center membership version loaded since: the day it starts (the very first
      load's versions start "since ever", so a first load of memberships rebuilds everything);
    - for each version closed since: the day it stopped (dlt stamps valid_to with the closing
      load's id as a time);
    - (tables with a cost_center_id) the first built day still attributed to a deleted cost
      center after the last day it attributed anything;
    - (models downstream of the chain, naming it in config `rebuild_after`) the first day of
      that model's rows written since.
    Outside an incremental run it is the first possible day. The model's SQL and the strategy
    below both call it, and read the same table and config, so they agree on the day. -#}
{% macro seat_days_rebuild_from() -%}
    {%- if model.resource_type == 'unit_test' -%}{{ return("date '0001-01-01'") }}{%- endif -%}
    {#- refs first, so that dbt sees the dependencies when it parses the model -#}
    {%- set usage_items = ref('stg_github_billing__usage_items') -%}
    {%- set user_usage = ref('stg_github_billing__copilot_user_usage') -%}
    {%- set seats = ref('stg_github_billing__copilot_seats') -%}
    {%- set resources = ref('stg_github_billing__cost_center_resources') -%}
    {%- set memberships = ref('int_cost_center_memberships_dated') -%}
    {%- set cost_centers = ref('int_cost_centers_dated') -%}
    {%- set upstream_name = config.get('rebuild_after') -%}
    {%- set upstream = ref(upstream_name) if upstream_name else none -%}
    {%- if not execute or not is_incremental() -%}
        {{- return("date '0001-01-01'") -}}
    {%- endif -%}
    {#- a table built by an older version of the models: everything (dbt then stops on the
        changed columns and the run asks for a full refresh) -#}
    {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- if 'built_through_load_id' not in built_columns -%}
        {{- return("date '0001-01-01'") -}}
    {%- endif -%}
    {%- set by_cost_center = 'cost_center_id' in built_columns -%}
    {%- set query -%}
        with built as (
            select coalesce(max(built_through_load_id), '') as watermark, max(usage_date) as last_day
            from {{ this }}
        ),

        new_snapshots as (
            select seats.seat_key, seats.snapshot_date, cast(seats.granted_at as date) as granted_on
            from {{ seats }} as seats, built
            where seats.dlt_load_id > built.watermark
        ),

        snapshot_days as (
            select
                least(
                    coalesce(max(earlier.snapshot_date) + 1, min(new_snapshots.granted_on)),
                    case
                        when min(new_snapshots.granted_on) < min(cast(earlier.granted_at as date))
                            then min(new_snapshots.granted_on)
                    end
                ) as first_day
            from new_snapshots
            left join {{ seats }} as earlier
                on earlier.seat_key = new_snapshots.seat_key
                and earlier.snapshot_date < new_snapshots.snapshot_date
            group by new_snapshots.seat_key, new_snapshots.snapshot_date
        ),

        reasons as (
            select last_day - {{ var('lookback_days') }} as first_day from built
            union all
            select min(usage_items.usage_date)
            from {{ usage_items }} as usage_items, built
            where usage_items.dlt_load_id > built.watermark
            union all
            select min(user_usage.usage_date)
            from {{ user_usage }} as user_usage, built
            where user_usage.dlt_load_id > built.watermark
            union all
            select min(first_day) from snapshot_days
            union all
            select min(memberships.valid_from_date)
            from {{ memberships }} as memberships
            inner join {{ resources }} as resources using (cost_center_resource_version_id)
            cross join built
            where resources.dlt_load_id > built.watermark
            union all
            select min(cast(resources.valid_to_at as date))
            from {{ resources }} as resources, built
            where resources.valid_to_at > to_timestamp(cast(nullif(built.watermark, '') as double))
            {%- if by_cost_center %}
            union all
            select min(built_rows.usage_date)
            from {{ this }} as built_rows
            inner join {{ cost_centers }} as cost_centers using (cost_center_id)
            where built_rows.usage_date > cost_centers.attribution_ends_on
            {%- endif %}
            {%- if upstream is not none %}
            union all
            select min(upstream.usage_date)
            from {{ upstream }} as upstream, built
            where upstream.built_through_load_id > built.watermark
            {%- endif %}
        )

        select cast(coalesce(min(first_day), date '9999-12-31') as varchar) from reasons
    {%- endset -%}
    {%- set first_day = run_query(query).columns[0].values()[0] -%}
    {{- return("date '" ~ first_day ~ "'") -}}
{%- endmacro %}

{#- dbt's delete+insert replaces only the days the new rows have; a rebuilt day can end up with
    no rows at all (the last seat of the day cancelled), so this strategy replaces every day on
    or after the first rebuilt day. Used by the seat-day chain:
    incremental_strategy='seat_days', with `seat_days_rebuild_from()` in the model. -#}
{% macro get_incremental_seat_days_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }} where usage_date >= {{ seat_days_rebuild_from() }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- Data tests of the incremental seat-day tables check the rows the last build wrote (a full
    refresh writes every row; earlier days were checked when they were written and no build
    touches them since): `where: rows written by the last build` in a test's config, alone or
    within a condition. On tables without the build marker, and for reconciliations (sums_match
    compares whole tables), the phrase means every row. Any other `where` works as in dbt. -#}
{% macro duckdb__get_where_subquery(relation) -%}
    {%- set phrase = 'rows written by the last build' -%}
    {%- set where = config.get('where', '') -%}
    {%- if phrase in where -%}
        {%- set test_name = (model.get('test_metadata') or {}).get('name') -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
        {%- if test_name == 'sums_match' or 'built_through_load_id' not in columns -%}
            {%- set where = where.replace(phrase, 'true') -%}
        {%- else -%}
            {%- set newest -%}
                built_through_load_id = (select max(built_through_load_id) from {{ relation }})
            {%- endset -%}
            {%- set where = where.replace(phrase, '(' ~ newest ~ ')') -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {{- return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -}}
    {%- endif -%}
    {{- return(relation) -}}
{%- endmacro %}
