-- Money is never DOUBLE: every *_amount column of every mart is a DECIMAL.
select table_name, column_name, data_type
from information_schema.columns
where table_schema = 'marts'
    and (column_name like '%\_amount' escape '\' or column_name = 'monthly_cost')
    and data_type not like 'DECIMAL%'
