//! Multi-row statements: many rows per round trip, in a few fixed shapes so prepared statements are reused.

use crate::store::{Backend, ColType, RowRef, StoreError, StoreTx, Val};
use std::collections::HashMap;

/// Most rows in one statement (also bounded by the backend's parameter limit).
const MAX_ROWS: usize = 256;

/// An `INSERT INTO table (columns) VALUES … suffix` statement for any number of rows, for use inside a
/// transaction that is rolled back whole when a statement fails. On SQLite it is `INSERT OR FAIL`: a failing
/// statement then keeps the rows it wrote before the failure instead of undoing them, so SQLite keeps no
/// statement journal (a copy of every page a multi-row statement changes, 8 % of its writing thread).
#[derive(Debug)]
pub struct BulkInsert {
    table: String,
    columns: Vec<String>,
    types: Vec<ColType>,
    suffix: String,
    /// Multi-row statements by backend and row count.
    sql: HashMap<(Backend, usize), String>,
    /// PostgreSQL: `INSERT INTO table (columns) SELECT * FROM UNNEST($1::text[], …) suffix`, every row in one
    /// statement with one array parameter per column (a short statement to plan instead of thousands of
    /// parameters).
    unnest_sql: String,
}

impl BulkInsert {
    /// `suffix` follows the VALUES list, e.g. an `ON CONFLICT … DO UPDATE` clause.
    pub fn new(table: &str, columns: &[(&str, ColType)], suffix: String) -> Self {
        let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let types: Vec<ColType> = columns.iter().map(|(_, t)| *t).collect();
        let unnest_sql = format!(
            "INSERT INTO {table} ({}) SELECT * FROM {} {suffix}",
            names.join(", "),
            crate::store::pg_unnest(&types)
        );
        Self {
            table: table.to_string(),
            columns: names.iter().map(|c| c.to_string()).collect(),
            types,
            suffix,
            sql: HashMap::new(),
            unnest_sql,
        }
    }

    /// An upsert: insert, or on a `key` conflict overwrite every other column.
    pub fn upsert(table: &str, columns: &[(&str, ColType)], key: &[&str]) -> Self {
        let updates: Vec<String> =
            columns.iter().filter(|(c, _)| !key.contains(c)).map(|(c, _)| format!("{c} = excluded.{c}")).collect();
        let suffix = if updates.is_empty() {
            format!("ON CONFLICT ({}) DO NOTHING", key.join(", "))
        } else {
            format!("ON CONFLICT ({}) DO UPDATE SET {}", key.join(", "), updates.join(", "))
        };
        Self::new(table, columns, suffix)
    }

    fn rows_per_statement(&self, backend: Backend) -> usize {
        let params = match backend {
            Backend::Sqlite => 32_000,
            Backend::Postgres => 65_000,
        };
        let fit = (params / self.columns.len().max(1)).clamp(1, MAX_ROWS);
        1 << (usize::BITS - 1 - fit.leading_zeros())
    }

    /// The statement for `rows` rows. SQLite gets anonymous `?` placeholders: it looks numbered ones up by a
    /// linear scan per parameter, which made wide statements quadratic.
    fn sql_for(&mut self, backend: Backend, rows: usize) -> &str {
        let (table, columns, suffix) = (&self.table, &self.columns, &self.suffix);
        self.sql.entry((backend, rows)).or_insert_with(|| {
            let width = columns.len();
            let verb = match backend {
                Backend::Sqlite => "INSERT OR FAIL",
                Backend::Postgres => "INSERT",
            };
            let mut sql = format!("{verb} INTO {table} ({}) VALUES ", columns.join(", "));
            for r in 0..rows {
                if r > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for c in 0..width {
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    match backend {
                        Backend::Sqlite => sql.push('?'),
                        Backend::Postgres => {
                            sql.push('$');
                            sql.push_str(&(r * width + c + 1).to_string());
                        }
                    }
                }
                sql.push(')');
            }
            sql.push(' ');
            sql.push_str(suffix);
            sql
        })
    }

    /// Writes `rows` (each with one value per column, the first possibly given separately as the group key).
    /// On PostgreSQL as column arrays in one statement; otherwise (or when a value does not have its column's
    /// type) in multi-row statements, chunks of powers of two, so at most a handful of distinct statements
    /// exist per table.
    pub async fn write(&mut self, tx: &mut StoreTx, rows: &[RowRef<'_>]) -> Result<(), StoreError> {
        if tx.backend() == Backend::Postgres
            && !rows.is_empty()
            && tx.execute_columns(&self.unnest_sql, rows, &self.types).await?.is_some()
        {
            return Ok(());
        }
        let max = self.rows_per_statement(tx.backend());
        let mut rest = rows;
        while !rest.is_empty() {
            let n = if rest.len() >= max { max } else { 1 << (usize::BITS - 1 - rest.len().leading_zeros()) };
            let (chunk, tail) = rest.split_at(n);
            let sql = self.sql_for(tx.backend(), n).to_string();
            tx.execute_rows(&sql, chunk, &self.types).await?;
            rest = tail;
        }
        Ok(())
    }
}

/// `DELETE FROM table WHERE column IN (…)` for many values.
pub async fn delete_where_in(tx: &mut StoreTx, table: &str, column: &str, values: &[String]) -> Result<(), StoreError> {
    for chunk in values.chunks(MAX_ROWS) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("DELETE FROM {table} WHERE {column} IN ({})", placeholders.join(", "));
        let args: Vec<Val> = chunk.iter().map(|v| Val::Text(v.clone())).collect();
        tx.execute(&sql, &args).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_have_placeholders_or_arrays_and_the_suffix() {
        let mut b = BulkInsert::upsert("t", &[("k", ColType::Text), ("v", ColType::Int)], &["k"]);
        assert_eq!(
            b.sql_for(Backend::Postgres, 2),
            "INSERT INTO t (k, v) VALUES ($1, $2), ($3, $4) ON CONFLICT (k) DO UPDATE SET v = excluded.v"
        );
        assert_eq!(
            b.unnest_sql,
            "INSERT INTO t (k, v) SELECT * FROM UNNEST($1::text[], $2::int8[]) ON CONFLICT (k) DO UPDATE SET v = excluded.v"
        );
        assert_eq!(
            b.sql_for(Backend::Sqlite, 2),
            "INSERT OR FAIL INTO t (k, v) VALUES (?, ?), (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v"
        );
    }

    #[test]
    fn chunks_are_powers_of_two_within_the_parameter_limit() {
        let cols: Vec<(String, ColType)> = (0..300).map(|i| (format!("c{i}"), ColType::Int)).collect();
        let cols: Vec<(&str, ColType)> = cols.iter().map(|(c, t)| (c.as_str(), *t)).collect();
        let b = BulkInsert::new("t", &cols, String::new());
        assert_eq!(b.rows_per_statement(Backend::Sqlite), 64);
        assert_eq!(b.rows_per_statement(Backend::Postgres), 128);
    }
}
