//! Every request carries the protocol and schema versions; the central accepts a range.

/// Wire format version. Bump on any incompatible change of `wire` or `change`.
/// 4: changes name what they overwrite (base op, own base), pushes and pulls name the log and its
/// epoch, push replies say what became of each change.
pub const PROTOCOL_VERSION: u32 = 4;
/// Data schema version: the entities and fields a replica knows. 3: the vie scolaire's `fait`.
/// 4: the gradebook (devoirs, marks, competency items, levels, positionnements) and the pupils'
/// dates and stays in divisions. 5: the vie scolaire's absences, justifications, dispenses,
/// exclusion reports and settings.
pub const SCHEMA_VERSION: u32 = 5;
/// The oldest versions the central still serves.
pub const MIN_PROTOCOL_VERSION: u32 = 4;
/// A schema-4 replica could not read the absences and dispenses it would pull: it is told to
/// update.
pub const MIN_SCHEMA_VERSION: u32 = 5;

pub const HEADER_PROTOCOL: &str = "pupitre-protocol";
pub const HEADER_SCHEMA: &str = "pupitre-schema";
/// The school (its UAI) a request is for, when the central serves several; a request without
/// it goes to the central's first school (a PC set up when it served only that one).
pub const HEADER_ETABLISSEMENT: &str = "pupitre-etablissement";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionCheck {
    Supported,
    /// The client is older than the central serves: it must be updated.
    ClientTooOld,
    /// The client is newer than this central: the central must be updated.
    ClientTooNew,
}

pub fn check_versions(protocol: u32, schema: u32) -> VersionCheck {
    if protocol < MIN_PROTOCOL_VERSION || schema < MIN_SCHEMA_VERSION {
        VersionCheck::ClientTooOld
    } else if protocol > PROTOCOL_VERSION || schema > SCHEMA_VERSION {
        VersionCheck::ClientTooNew
    } else {
        VersionCheck::Supported
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range() {
        assert_eq!(
            check_versions(PROTOCOL_VERSION, SCHEMA_VERSION),
            VersionCheck::Supported
        );
        assert_eq!(
            check_versions(0, SCHEMA_VERSION),
            VersionCheck::ClientTooOld
        );
        assert_eq!(
            check_versions(PROTOCOL_VERSION, 0),
            VersionCheck::ClientTooOld
        );
        assert_eq!(
            check_versions(PROTOCOL_VERSION, 3),
            VersionCheck::ClientTooOld,
            "a replica without the gradebook"
        );
        assert_eq!(
            check_versions(PROTOCOL_VERSION + 1, SCHEMA_VERSION),
            VersionCheck::ClientTooNew
        );
        assert_eq!(
            check_versions(PROTOCOL_VERSION, SCHEMA_VERSION + 1),
            VersionCheck::ClientTooNew
        );
    }
}
