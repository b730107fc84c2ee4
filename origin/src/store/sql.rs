//! The one builder of placeholder lists: the `(…), (…)` groups of a multi-row `INSERT` and the list of an `IN (…)`.
//!
//! Layer: storage adapter. Only the count of placeholders is ever formatted into SQL; values are always bound.
//! SQLite gets anonymous `?` placeholders, because it resolves every bound `$n` by a linear search of the
//! statement's parameter names, which makes a statement with thousands of parameters quadratic (it took 85% of a
//! population load's time); PostgreSQL gets `$1…$n`.

/// Which database a [`Store`](crate::store::Store) talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: a file in WAL mode, or in memory.
    Sqlite,
    /// PostgreSQL.
    Postgres,
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
