//! The shipped frameworks as Rust: build.rs loads `frameworks/*.toml` with the run-time loader
//! and, once they validate, writes each as the code that builds it. `caf score` then starts
//! without parsing 130 KB of TOML; a user's framework files still go through the loader.
//!
//! The mappings stay as text (only comparison and carry-forward read them), but build.rs has
//! checked them too, and the tables of both come from what it found in `frameworks/`.

use std::collections::{BTreeMap, HashMap};

use super::{
    Condition, Framework, Indicator, IndicatorRef, Level, Objective, Outcome, OutcomeId, Principle,
    Profile, Provenance, Rule, Status,
};

/// One shipped framework: its id, the file it was built from, and the function that builds it.
pub(super) struct Shipped {
    pub id: &'static str,
    /// For the test that compares the two ways of loading.
    #[cfg_attr(not(test), allow(dead_code))]
    pub file: &'static str,
    pub build: fn() -> Framework,
}

include!(concat!(env!("OUT_DIR"), "/shipped.rs"));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::framework::load;

    fn read(file: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(file);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// What build.rs embedded is what the loader makes of the file today, down to the masks,
    /// the indexes and every profile's targets.
    #[test]
    fn every_shipped_framework_built_from_rust_equals_the_loaded_file() {
        let on_disk: Vec<String> = std::fs::read_dir(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../frameworks"),
        )
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.ends_with(".toml")
                .then(|| format!("frameworks/{name}"))
        })
        .collect();
        let embedded: Vec<&str> = FRAMEWORKS.iter().map(|s| s.file).collect();
        assert_eq!(embedded.len(), on_disk.len(), "{embedded:?} vs {on_disk:?}");
        assert!(on_disk.iter().all(|f| embedded.contains(&f.as_str())));
        for shipped in FRAMEWORKS {
            let loaded = load::parse_framework(&SourceFile::new(shipped.file, read(shipped.file)))
                .unwrap_or_else(|d| panic!("{}: {d:?}", shipped.file));
            let built = (shipped.build)();
            assert_eq!(built.id, shipped.id);
            assert!(
                built
                    .outcomes
                    .iter()
                    .all(|o| o.masks.iter().any(|&m| m != 0))
            );
            assert!(!built.targets_by_position.is_empty());
            assert_eq!(built, loaded, "{}", shipped.file);
        }
    }

    /// The mapping tables hold every mapping file, so a new one cannot be left unchecked.
    #[test]
    fn every_shipped_mapping_file_is_in_the_tables() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../frameworks/mappings");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".toml"))
            .map(|name| format!("frameworks/mappings/{name}"))
            .collect();
        on_disk.sort();
        let mut tables: Vec<String> = (MAPPINGS.iter().chain(STATEMENT_MAPS))
            .map(|(name, text)| {
                assert_eq!(*text, read(name), "{name}");
                name.to_string()
            })
            .collect();
        tables.sort();
        assert_eq!(tables, on_disk);
    }
}
