-- Money is never DOUBLE: every *_amount column of every mart is a DECIMAL (PostgreSQL says
-- `numeric`).
select table_name, column_name, data_type
from information_schema.columns
where table_schema = 'marts'
    and (column_name like '%\_amount' escape '\' or column_name = 'monthly_cost')
    and lower(data_type) not like 'decimal%'
    and lower(data_type) <> 'numeric'
