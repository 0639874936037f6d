//! The rows of a school's archive (`crate::archive`): which of the central's tables it holds,
//! and the generic reading and writing of their rows, column by column, types kept.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

/// What an archive does with one of the central's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Every row, every column.
    Entiere,
    /// Every row; these columns are left out (and empty when imported back).
    Sans(&'static [&'static str]),
    /// Not in the archive: the central's own security state, not the school's data.
    Jamais,
}

/// Every table of the central, and why it is or is not in an archive. A table missing here
/// fails `every_table_of_the_central_is_sorted`: whoever adds one decides.
pub const TABLES: &[(&str, Sort)] = &[
    // The reference data (the year's school).
    ("etablissement", Sort::Entiere),
    ("matieres", Sort::Entiere),
    ("personnels", Sort::Entiere),
    ("divisions", Sort::Entiere),
    ("groupes", Sort::Entiere),
    ("eleves", Sort::Entiere),
    ("eleve_etats_civils", Sort::Entiere),
    ("eleve_divisions", Sort::Entiere),
    ("eleve_groupes", Sort::Entiere),
    ("responsables", Sort::Entiere),
    ("periodes", Sort::Entiere),
    ("services", Sort::Entiere),
    ("seances", Sort::Entiere),
    // The log: values, their history, the conflicts, the reference data's moves, and what
    // each PC sent (so that a PC's retry is still recognised after the move).
    ("changes", Sort::Entiere),
    ("fields", Sort::Entiere),
    ("conflicts", Sort::Entiere),
    ("referentiel", Sort::Entiere),
    ("log_identity", Sort::Entiere),
    ("log_horizon", Sort::Entiere),
    ("clients", Sort::Entiere),
    ("client_ops", Sort::Entiere),
    // The families' notifications and what became of them; what the retention job erased.
    ("envois", Sort::Entiere),
    ("effacements", Sort::Entiere),
    // Accounts, without their password hashes: an archive travels (a USB key, a mail to the
    // next vendor) and a hash is worth cracking. Imported back, each account waits for
    // `reinitialiser-mot-de-passe`.
    ("comptes", Sort::Sans(&["password_hash"])),
    // Sessions, the envelope keys and their delivery records: secrets of this central and of
    // the PCs logged in to it, worthless elsewhere and dangerous to copy.
    ("sessions", Sort::Jamais),
    ("cle_depot", Sort::Jamais),
    ("cles_envoi", Sort::Jamais),
    ("enveloppes_remises", Sort::Jamais),
];

/// What a column left out holds once imported back: nothing a login could match.
pub const MASQUE: &str = "!";

/// What the archive does with `table` (`None`: a table nobody sorted).
pub fn sort_of(table: &str) -> Option<Sort> {
    TABLES.iter().find(|(t, _)| *t == table).map(|(_, s)| *s)
}

/// The tables of the database, by name.
pub fn tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         ORDER BY name",
    )?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

/// The columns of `table`, in order.
pub fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
    stmt.query_map([table], |r| r.get(0))?.collect()
}

/// Hands every row of `table`'s `columns` to `each`, in the order of its rowid (stable
/// between two exports), without holding the table in memory.
pub fn each_row<E: From<rusqlite::Error>>(
    conn: &Connection,
    table: &str,
    columns: &[String],
    mut each: impl FnMut(Vec<Value>) -> Result<(), E>,
) -> Result<(), E> {
    let list = quoted(columns).join(", ");
    let mut stmt = conn.prepare(&format!("SELECT {list} FROM \"{table}\" ORDER BY rowid"))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let row = (0..columns.len())
            .map(|i| r.get::<_, Value>(i))
            .collect::<rusqlite::Result<_>>()?;
        each(row)?;
    }
    Ok(())
}

/// Empties `table` (the rows an empty central starts with: its own log identity, its horizon).
pub fn clear(conn: &Connection, table: &str) -> rusqlite::Result<()> {
    conn.execute(&format!("DELETE FROM \"{table}\""), [])?;
    Ok(())
}

/// The insertion of rows of `columns` into `table`; the other columns take their defaults,
/// except `masked` ones, which take `MASQUE`.
pub struct Insertion<'c> {
    stmt: rusqlite::Statement<'c>,
    masked: usize,
}

impl<'c> Insertion<'c> {
    pub fn new(
        conn: &'c Connection,
        table: &str,
        columns: &[String],
        masked: &[&str],
    ) -> rusqlite::Result<Insertion<'c>> {
        let mut names = quoted(columns);
        names.extend(masked.iter().map(|c| format!("\"{c}\"")));
        let marks: Vec<_> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        let stmt = conn.prepare(&format!(
            "INSERT INTO \"{table}\" ({}) VALUES ({})",
            names.join(", "),
            marks.join(", ")
        ))?;
        Ok(Insertion {
            stmt,
            masked: masked.len(),
        })
    }

    pub fn row(&mut self, mut row: Vec<Value>) -> rusqlite::Result<()> {
        row.extend((0..self.masked).map(|_| Value::Text(MASQUE.to_owned())));
        self.stmt.execute(params_from_iter(row))?;
        Ok(())
    }
}

fn quoted(columns: &[String]) -> Vec<String> {
    columns.iter().map(|c| format!("\"{c}\"")).collect()
}

/// The schema's version (the migrations applied).
pub fn schema_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Turns the foreign keys' checks to the commit of the transaction (rows go in table by table).
pub fn defer_foreign_keys(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("PRAGMA defer_foreign_keys = ON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_of_the_central_is_sorted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::db::Db::open(&dir.path().join("c.sqlite")).expect("open");
        let names = db.with(|c| tables(c)).expect("tables");
        for t in &names {
            assert!(sort_of(t).is_some(), "{t} is not in db::archive::TABLES");
        }
        for (t, _) in TABLES {
            assert!(
                names.iter().any(|n| n == t),
                "TABLES names {t}, which is gone"
            );
        }
    }
}
