//! Multi-row inserts that name each column once, beside the value bound to it.
//!
//! [`insert_rows!`] takes `column: value` pairs: the statement's column list and each row's
//! bound values are made from the same pairs, so a column cannot drift apart from its value.
//! A list of any length, across a whole batch of roadmaps, thus takes a few statements (one
//! trip to SQLite's thread each) rather than one per item.

use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::StoreError;

/// The most values SQLite binds to one statement (`SQLITE_MAX_VARIABLE_NUMBER` since 3.32).
const MAX_VARIABLES: usize = 32_766;

/// Inserts rows into a table, one `column: value` pair per column (`column` alone binds the
/// variable of that name):
///
/// ```text
/// insert_rows!(conn, "regional_hubs", hubs, |(roadmap_id, position, hub)| {
///     roadmap_id,
///     position,
///     key: hub.key.as_str(),
///     name: &hub.name,
///     note: &hub.note,
/// })
/// .await?;
/// ```
///
/// With `upsert on key` after the table, a row whose `key` is taken updates that row's other
/// columns instead.
macro_rules! insert_rows {
    ($conn:expr, $table:literal $(upsert on $key:ident)?, $rows:expr,
     |$row:pat_param| { $($column:ident $(: $value:expr)?),+ $(,)? }) => {
        $crate::store::rows::insert(
            $conn,
            $table,
            &[$(stringify!($column)),+],
            $crate::store::rows::insert_rows!(@upsert $($key)?),
            $rows,
            |mut values, $row| {
                $(values.push_bind(
                    $crate::store::rows::insert_rows!(@value $column $(, $value)?)
                );)+
            },
        )
    };
    (@upsert) => { None };
    (@upsert $key:ident) => { Some(stringify!($key)) };
    (@value $column:ident) => { $column };
    (@value $column:ident, $value:expr) => { $value };
}
pub(super) use insert_rows;

/// What [`insert_rows!`] runs: `rows` into `columns` of `table`, each row's values pushed by
/// `bind` in the order of `columns`, in as many statements as SQLite's limit on bound values
/// requires. With `upsert_key`, a row that repeats an existing key updates the other columns.
pub(super) async fn insert<T>(
    conn: &mut SqliteConnection,
    table: &str,
    columns: &[&str],
    upsert_key: Option<&str>,
    rows: impl IntoIterator<Item = T>,
    mut bind: impl FnMut(Separated<'_, Sqlite, &'static str>, T),
) -> Result<(), StoreError> {
    let head = format!("insert into {table} ({}) ", columns.join(", "));
    let upsert = upsert_key.map(|key| {
        let updates: Vec<String> = columns
            .iter()
            .filter(|column| **column != key)
            .map(|column| format!("{column} = excluded.{column}"))
            .collect();
        format!(" on conflict ({key}) do update set {}", updates.join(", "))
    });
    let per_statement = MAX_VARIABLES / columns.len();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut statement = QueryBuilder::<Sqlite>::new(&head);
        statement.push_values(rows.by_ref().take(per_statement), &mut bind);
        if let Some(upsert) = &upsert {
            statement.push(upsert);
        }
        // Not kept prepared: the text differs with the number of rows, so each would take a
        // place in the connection's statement cache that no later write reuses.
        statement
            .build()
            .persistent(false)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sqlx::{Connection, SqliteConnection};

    use super::*;

    #[tokio::test]
    async fn rows_beyond_the_limit_on_bound_values_go_in_further_statements() {
        let mut conn = SqliteConnection::connect("sqlite::memory:")
            .await
            .expect("opens");
        sqlx::query("create table pairs (n integer primary key, text text not null)")
            .execute(&mut conn)
            .await
            .expect("creates");
        let count: i64 = 40_000;
        assert!(usize::try_from(count * 2).expect("fits") > MAX_VARIABLES);
        insert_rows!(&mut conn, "pairs", 0..count, |n| { n, text: n.to_string() })
            .await
            .expect("inserts");
        let (rows, agree): (i64, i64) =
            sqlx::query_as("select count(*), sum(text = cast(n as text)) from pairs")
                .fetch_one(&mut conn)
                .await
                .expect("counts");
        assert_eq!((rows, agree), (count, count));

        // A taken key updates the other columns of its row.
        insert_rows!(&mut conn, "pairs" upsert on n, [7_i64], |n| { n, text: "seven" })
            .await
            .expect("upserts");
        let text: String = sqlx::query_scalar("select text from pairs where n = 7")
            .fetch_one(&mut conn)
            .await
            .expect("reads");
        assert_eq!(text, "seven");
    }
}
