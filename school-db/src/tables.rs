//! The reference data's shape, declared once: for each `domain` type of the school, its table
//! and which column holds which field (`table!`). Writing a snapshot, reading the school for a
//! scope, finding one record: all go through these declarations. Adding a field to the school is
//! one line here, the field in `domain`, and a migration.

use chrono::NaiveDate;
use pupitre_domain::{
    Cible, Division, Eleve, Etablissement, EtatCivil, Fonction, Groupe, Heure, Matiere, Periode,
    Personnel, Responsable, Seance, Service, Uai,
};
use rusqlite::types::{FromSqlError, FromSqlResult, Type, Value, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params_from_iter};

/// A record of the school stored as one row of one table.
pub trait Table: Sized {
    const NAME: &'static str;
    /// The columns, the key first.
    const COLUMNS: &'static [&'static str];
    const ORDER_BY: &'static str;
    fn values(&self) -> Vec<Value>;
    fn read(row: &Row<'_>) -> rusqlite::Result<Self>;
}

/// How a field's type is stored in a column.
pub trait Column: Sized {
    fn to_sql(&self) -> Value;
    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self>;
}

/// A text column holding a type's `Display`/`FromStr` form.
macro_rules! text_column {
    ($($ty:ty),*) => {$(
        impl Column for $ty {
            fn to_sql(&self) -> Value {
                Value::Text(self.to_string())
            }
            fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value.as_str()?.parse().map_err(|e| FromSqlError::Other(Box::new(e)))
            }
        }
    )*};
}
text_column!(String, NaiveDate, Heure, Uai);

/// A column that may be empty (NULL).
impl<T: Column> Column for Option<T> {
    fn to_sql(&self) -> Value {
        self.as_ref().map_or(Value::Null, Column::to_sql)
    }
    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Null => Ok(None),
            other => T::from_sql(other).map(Some),
        }
    }
}

impl Column for f64 {
    fn to_sql(&self) -> Value {
        Value::Real(*self)
    }
    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value.as_f64()
    }
}

impl Column for Fonction {
    fn to_sql(&self) -> Value {
        Value::Text(self.as_str().to_owned())
    }
    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        Fonction::parse(value.as_str()?).ok_or(FromSqlError::InvalidType)
    }
}

/// A service's target as its scope tag (`division:<id>`, `groupe:<id>`).
impl Column for Cible {
    fn to_sql(&self) -> Value {
        Value::Text(self.key())
    }
    fn from_sql(value: ValueRef<'_>) -> FromSqlResult<Self> {
        Cible::from_key(value.as_str()?).ok_or(FromSqlError::InvalidType)
    }
}

fn column<T: Column>(row: &Row<'_>, name: &str) -> rusqlite::Result<T> {
    let index = row.as_ref().column_index(name)?;
    T::from_sql(row.get_ref(index)?)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
}

/// `table!(Type in "table" order "columns" { field: "column", ... } [then { field, ... }])`:
/// the fields after `then` are not columns of the table (filled by the caller, e.g. a pupil's
/// groups from `eleve_groupes`).
macro_rules! table {
    ($ty:ident in $name:literal order $order:literal { $($field:ident: $col:literal),* $(,)? }
     $(then { $($later:ident),* })?) => {
        impl Table for $ty {
            const NAME: &'static str = $name;
            const COLUMNS: &'static [&'static str] = &[$($col),*];
            const ORDER_BY: &'static str = $order;
            fn values(&self) -> Vec<Value> {
                vec![$(Column::to_sql(&self.$field)),*]
            }
            fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
                Ok($ty {
                    $($field: column(row, $col)?,)*
                    $($($later: Default::default(),)*)?
                })
            }
        }
    };
}

table!(Etablissement in "etablissement" order "uai" {
    uai: "uai", nom: "nom", commune: "commune",
});
table!(Division in "divisions" order "code" {
    id: "id", code: "code", niveau: "niveau", professeur_principal_id: "professeur_principal_id",
});
table!(Groupe in "groupes" order "code" { id: "id", code: "code", libelle: "libelle" });
table!(Eleve in "eleves" order "nom, prenom" {
    id: "id", nom: "nom", prenom: "prenom",
    division_id: "division_id", date_entree: "date_entree", date_sortie: "date_sortie",
} then { groupe_ids, passages });
table!(EtatCivil in "eleve_etats_civils" order "eleve_id" {
    eleve_id: "eleve_id", ine: "ine", date_naissance: "date_naissance",
});
table!(Personnel in "personnels" order "nom" {
    id: "id", civilite: "civilite", nom: "nom", prenom: "prenom", fonction: "fonction",
});
table!(Matiere in "matieres" order "libelle" {
    code: "code", code_gestion: "code_gestion", libelle: "libelle",
});
table!(Service in "services" order "id" {
    id: "id", enseignant_id: "enseignant_id", matiere_code: "matiere_code", cible: "cible_key",
    coefficient: "coefficient",
});
table!(Seance in "seances" order "date, debut, id" {
    id: "id", service_id: "service_id", date: "date", debut: "debut", fin: "fin", salle: "salle",
    remplacant_id: "remplacant_id",
});
table!(Periode in "periodes" order "debut" { id: "id", libelle: "libelle", debut: "debut", fin: "fin" });
table!(Responsable in "responsables" order "eleve_id, id" {
    id: "id", eleve_id: "eleve_id", civilite: "civilite", nom: "nom", prenom: "prenom",
    lien: "lien", telephone: "telephone", mail: "mail",
});

/// Writes `rows`, reporting each chunk's size.
pub fn insert_all<T: Table>(
    tx: &Transaction<'_>,
    rows: &[T],
    tick: &mut dyn FnMut(usize),
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare(&insert_sql::<T>())?;
    for chunk in rows.chunks(CHUNK) {
        for row in chunk {
            stmt.execute(params_from_iter(row.values()))?;
        }
        tick(chunk.len());
    }
    Ok(())
}

/// `INSERT INTO <table> (<columns>) VALUES (?1, …)` for `T`.
pub(crate) fn insert_sql<T: Table>() -> String {
    let marks: Vec<String> = (1..=T::COLUMNS.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        T::NAME,
        T::COLUMNS.join(", "),
        marks.join(", ")
    )
}

/// Rows written between two progress reports.
const CHUNK: usize = 2000;

/// Every row of `T`'s table, in its order.
pub fn read_all<T: Table>(conn: &Connection) -> rusqlite::Result<Vec<T>> {
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        T::COLUMNS.join(", "),
        T::NAME,
        T::ORDER_BY
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], T::read)?;
    rows.collect()
}

/// The record of `T` whose key is `key`.
pub fn by_key<T: Table>(conn: &Connection, key: &str) -> rusqlite::Result<Option<T>> {
    let sql = format!(
        "SELECT {} FROM {} WHERE {} = ?1",
        T::COLUMNS.join(", "),
        T::NAME,
        T::COLUMNS[0]
    );
    conn.prepare_cached(&sql)?
        .query_row([key], T::read)
        .optional()
}
