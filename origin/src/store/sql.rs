//! The one builder of placeholder lists: the `(…), (…)` groups of a multi-row `INSERT` and the list of an `IN (…)`;
//! and [`Statement`], a statement built with its values before it runs, so that a group of them can run one by one
//! inside a transaction or, on SQLite, as one script.
//!
//! Layer: storage adapter. Only the count of placeholders is ever formatted into SQL; values are always bound.
//! SQLite gets anonymous `?` placeholders, because it resolves every bound `$n` by a linear search of the
//! statement's parameter names, which makes a statement with thousands of parameters quadratic (it took 85% of a
//! population load's time); PostgreSQL gets `$1…$n`.

use crate::error::{OriginError, Result};

/// Which database a [`Store`](crate::store::Store) talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: a file in WAL mode, or in memory.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The engine a database URL names: `sqlite:…` or `postgres://…` (`postgresql://…`).
    pub(crate) fn of_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(OriginError::Usage(format!(
                "unsupported database URL scheme in {:?}: use sqlite: or postgres:// URLs",
                url.split(':').next().unwrap_or_default()
            )))
        }
    }
}

/// A query over the `Any` driver, values bound.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// One value bound to a [`Statement`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bound<'a> {
    /// Text, or NULL.
    Text(Option<&'a str>),
    /// A 64-bit integer (instants, Unix seconds).
    Int(i64),
    /// A 32-bit integer, or NULL (the `INTEGER` columns PostgreSQL keeps as `int4`).
    SmallInt(Option<i32>),
}

/// A statement and the values of its placeholders, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Statement<'a> {
    /// The SQL, with placeholders from [`multi_row_insert`] or of the backend's own form.
    pub(crate) sql: String,
    /// The values, in placeholder order.
    pub(crate) values: Vec<Bound<'a>>,
}

impl Statement<'_> {
    /// The statement as a query, ready to run.
    pub(crate) fn query(&self) -> AnyQuery<'static> {
        bind_all(sqlx::query(sqlx::AssertSqlSafe(self.sql.clone())), std::slice::from_ref(self))
    }
}

/// SQLite only: `statements` run as one script, between `before` and `after` (`BEGIN`, `COMMIT`), in one command to
/// the connection's thread instead of one each. Every placeholder must be an anonymous `?`: SQLite numbers those
/// across the whole script, where a `$n` would name the script's n-th value.
pub(crate) fn sqlite_script(before: &str, statements: &[Statement<'_>], after: &str) -> AnyQuery<'static> {
    let parts: Vec<&str> = std::iter::once(before)
        .chain(statements.iter().map(|statement| statement.sql.as_str()))
        .chain(std::iter::once(after))
        .filter(|part| !part.is_empty())
        .collect();
    bind_all(sqlx::query(sqlx::AssertSqlSafe(parts.join(";\n"))), statements)
}

fn bind_all<'q>(mut query: AnyQuery<'q>, statements: &[Statement<'_>]) -> AnyQuery<'q> {
    for value in statements.iter().flat_map(|statement| &statement.values) {
        query = match *value {
            Bound::Text(text) => query.bind(text),
            Bound::Int(number) => query.bind(number),
            Bound::SmallInt(number) => query.bind(number),
        };
    }
    query
}

/// `prefix` followed by `rows` groups of `columns` placeholders. SQLite gets anonymous `?` (it resolves each `$n`
/// by a linear search of the parameter names); PostgreSQL gets `$1…$n`.
pub(crate) fn multi_row_insert(backend: Backend, prefix: &str, columns: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(prefix.len() + rows * columns * 5);
    sql.push_str(prefix);
    let mut parameter = 0_usize;
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push(',');
            }
            parameter += 1;
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&parameter.to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// The list of an `IN (…)`: `count` numbered placeholders from `$first`, for a statement short enough that
/// SQLite's search of `$n` names costs nothing (a fixed list of codes, not rows).
pub(crate) fn numbered_list(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_backend() {
        assert_eq!(multi_row_insert(Backend::Sqlite, "V ", 2, 2), "V (?,?),(?,?)");
        assert_eq!(multi_row_insert(Backend::Postgres, "V ", 2, 2), "V ($1,$2),($3,$4)");
        assert_eq!(numbered_list(2, 3), "$2, $3, $4");
    }
}
