//! A [`Digest`] as text, for a store that keeps what aggregation needs of each assessment
//! when it is received (the collection service) and aggregates from that instead of reading
//! every text again.
//!
//! The text is versioned JSON holding the framework's id and a fingerprint of its definition:
//! a digest is only ever folded under the framework definition it was scored with. When the
//! catalogue changes (another definition, a framework gone, a newer format), [`Codec::decode`]
//! says no and the caller reads the assessment's text again, so the figures are always what
//! reading every text would give.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::digest::{Digest, Scored};
use super::supplier::Named;
use crate::assessment::Organisation;
use crate::framework::{Catalog, Framework, Status};

/// The format of [`Codec::encode`]'s text; a text in any other is not decoded.
pub const FORMAT: u32 = 1;

/// A digest as stored: its text, and the fingerprint of the framework it was scored under
/// (also in the text; apart so that a store can find stale digests without decoding them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub fingerprint: String,
    pub text: String,
}

/// Encodes and decodes digests against one catalogue, whose frameworks it fingerprints once.
#[derive(Debug, Clone, Default)]
pub struct Codec {
    /// By framework id: the framework and its fingerprint.
    frameworks: HashMap<String, (Arc<Framework>, String)>,
}

/// The fingerprint of a framework's definition: the SHA-256 of its canonical JSON, which holds
/// everything scoring reads (outcomes, indicators, rules and profiles).
pub fn fingerprint(framework: &Framework) -> String {
    let json = serde_json::to_vec(framework).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Codec {
    /// Fingerprints every framework of `catalog` that loads (one that does not can score nothing).
    pub fn new(catalog: &Catalog) -> Codec {
        let frameworks = (catalog.ids().into_iter())
            .filter_map(|id| catalog.framework(id).ok())
            .map(|fw| (fw.id.clone(), (fw.clone(), fingerprint(&fw))))
            .collect();
        Codec { frameworks }
    }

    /// The fingerprint of the catalogue's framework `id`.
    pub fn fingerprint(&self, id: &str) -> Option<&str> {
        self.frameworks.get(id).map(|(_, f)| f.as_str())
    }

    /// The stored form of `digest`; `None` if its framework is not this catalogue's.
    pub fn encode(&self, digest: &Digest) -> Option<Encoded> {
        let (framework, fingerprint) = self.frameworks.get(&digest.framework.id)?;
        // A digest read with this catalogue shares its framework; any other is fingerprinted.
        if !Arc::ptr_eq(framework, &digest.framework)
            && self::fingerprint(&digest.framework) != *fingerprint
        {
            return None;
        }
        let n = digest.scores.len();
        let mut status = String::with_capacity(n);
        let mut target = String::with_capacity(n);
        let mut met = String::with_capacity(n);
        let mut marks = String::with_capacity(n);
        for s in &digest.scores {
            status.push(status_char(s.status));
            target.push(s.target.map_or(NONE, status_char));
            met.push(match s.met {
                None => NONE,
                Some(true) => 'y',
                Some(false) => 'n',
            });
            marks.push(char::from(
                b'0' + u8::from(s.overridden) + 2 * u8::from(s.needs_review),
            ));
        }
        let stored = Stored {
            format: FORMAT,
            framework: digest.framework.id.clone(),
            fingerprint: fingerprint.clone(),
            profile: digest.profile.clone(),
            period: digest.period.clone(),
            organisation: digest.organisation.clone(),
            status,
            target,
            met,
            marks,
            suppliers: (digest.suppliers.iter()).map(|s| s.name.clone()).collect(),
        };
        Some(Encoded {
            fingerprint: fingerprint.clone(),
            text: serde_json::to_string(&stored).ok()?,
        })
    }

    /// The digest `text` holds, if it was made under a framework definition of this catalogue
    /// in this format; `None` otherwise (read the assessment again).
    pub fn decode(&self, text: &str) -> Option<Digest> {
        let stored: Stored = serde_json::from_str(text).ok()?;
        if stored.format != FORMAT {
            return None;
        }
        let (framework, fingerprint) = self.frameworks.get(&stored.framework)?;
        let n = framework.outcomes.len();
        let columns = [&stored.status, &stored.target, &stored.met, &stored.marks];
        if *fingerprint != stored.fingerprint || columns.iter().any(|c| c.len() != n) {
            return None;
        }
        let scores = (stored.status.bytes())
            .zip(stored.target.bytes())
            .zip(stored.met.bytes())
            .zip(stored.marks.bytes())
            .map(|(((status, target), met), marks)| {
                let marks = marks.checked_sub(b'0').filter(|m| *m < 4)?;
                Some(Scored {
                    status: status_of(status)?,
                    target: match target {
                        b'.' => None,
                        t => Some(status_of(t)?),
                    },
                    met: match met {
                        b'.' => None,
                        b'y' => Some(true),
                        b'n' => Some(false),
                        _ => return None,
                    },
                    overridden: marks & 1 != 0,
                    needs_review: marks & 2 != 0,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Digest {
            framework: framework.clone(),
            profile: stored.profile,
            period: stored.period,
            organisation: stored.organisation,
            scores,
            suppliers: (stored.suppliers.into_iter()).map(Named::new).collect(),
        })
    }
}

/// No target, or no verdict on one.
const NONE: char = '.';

fn status_char(status: Status) -> char {
    match status {
        Status::NotAssessed => '-',
        Status::NotAchieved => 'N',
        Status::PartiallyAchieved => 'P',
        Status::Achieved => 'A',
    }
}

fn status_of(c: u8) -> Option<Status> {
    Some(match c {
        b'-' => Status::NotAssessed,
        b'N' => Status::NotAchieved,
        b'P' => Status::PartiallyAchieved,
        b'A' => Status::Achieved,
        _ => return None,
    })
}

/// The JSON form: one character per outcome, in framework order, for each part of a score.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    format: u32,
    framework: String,
    fingerprint: String,
    profile: Option<String>,
    period: Option<String>,
    organisation: Organisation,
    /// `-` not assessed, `N`, `P`, `A`.
    status: String,
    /// The profile's target, as `status`; `.` for none.
    target: String,
    /// Whether the target is met: `y`, `n`, `.` (no target, or not assessed).
    met: String,
    /// `0` to `3`: 1 overridden, plus 2 needing review.
    marks: String,
    suppliers: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::digest_of_text;

    fn example(name: &str) -> String {
        let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path).unwrap()
    }

    /// Every field survives the round trip, for assessments of both framework versions.
    #[test]
    fn a_digest_decodes_to_what_was_encoded() {
        let catalog = Catalog::shipped();
        let codec = Codec::new(&catalog);
        for name in [
            "district-council-caf-3.2-baseline.toml",
            "county-council-caf-4.0-partial.toml",
            "fire-rescue-caf-3.2-enhanced.toml",
        ] {
            let mut digest = digest_of_text(name, &example(name), &catalog).unwrap();
            // Marks and suppliers the examples may not have.
            digest.scores[0].overridden = true;
            digest.scores[1].needs_review = true;
            digest.scores[2].overridden = true;
            digest.scores[2].needs_review = true;
            (digest.suppliers).push(Named::new("Quote \" and ünïcode"));
            let encoded = codec.encode(&digest).unwrap();
            assert_eq!(
                Some(encoded.fingerprint.as_str()),
                codec.fingerprint(&digest.framework.id)
            );
            let back = codec.decode(&encoded.text).unwrap();
            assert!(Arc::ptr_eq(&back.framework, &digest.framework), "{name}");
            assert_eq!(back.scores, digest.scores, "{name}");
            assert_eq!(back.profile, digest.profile);
            assert_eq!(back.period, digest.period);
            assert_eq!(back.organisation, digest.organisation);
            assert_eq!(back.suppliers, digest.suppliers);
        }
    }

    /// `text` with its string field `key` changed by `change`.
    fn with(text: &str, key: &str, change: impl Fn(&str) -> String) -> String {
        let mut value: serde_json::Value = serde_json::from_str(text).unwrap();
        let old = value[key].as_str().unwrap().to_string();
        value[key] = change(&old).into();
        value.to_string()
    }

    /// A digest made under another definition of its framework, in another format, or damaged
    /// is refused, so the caller reads the text again.
    #[test]
    fn a_digest_from_another_definition_or_format_is_refused() {
        let catalog = Catalog::shipped();
        let codec = Codec::new(&catalog);
        let name = "district-council-caf-3.2-baseline.toml";
        let digest = digest_of_text(name, &example(name), &catalog).unwrap();
        let text = codec.encode(&digest).unwrap().text;
        let fp = codec.fingerprint("caf-3.2").unwrap();
        let edits = [
            text.replace(fp, &"0".repeat(64)),
            text.replace("\"format\":1", "\"format\":2"),
            text.replace("\"framework\":\"caf-3.2\"", "\"framework\":\"caf-9\""),
            text.replace("\"status\":\"", "\"status\":\"A"),
            with(&text, "marks", |m| format!("9{}", &m[1..])),
            with(&text, "met", |m| format!("x{}", &m[1..])),
            text[..text.len() - 1].to_string(),
            String::new(),
        ];
        for edited in edits {
            assert_ne!(edited, text);
            assert!(codec.decode(&edited).is_none(), "{edited}");
        }
        // A catalogue without the framework decodes nothing of it.
        assert!(Codec::default().decode(&text).is_none());
        assert!(Codec::default().encode(&digest).is_none());
    }
}

#[cfg(test)]
mod fold_tests {
    use super::*;
    use crate::aggregate::synth::{Shape, SynthOptions, generate_shaped};
    use crate::aggregate::{FileSource, Fold, GroupBy, Options, Source, aggregate, digest_of_text};

    /// Digests stored and decoded, folded by [`Fold`], give the report reading the files
    /// gives, invalid files included, on a real-shaped population of two periods.
    #[test]
    fn folding_stored_digests_reports_what_reading_the_files_reports() {
        let catalog = Catalog::shipped();
        let codec = Codec::new(&catalog);
        let dir = tempfile::tempdir().unwrap();
        let options = SynthOptions {
            orgs: 60,
            periods: 2,
            seed: 5,
        };
        generate_shaped(&catalog, &options, Shape::Real, dir.path(), None).unwrap();
        let source = FileSource::new(vec![dir.path().to_path_buf()]);
        let names = source.list().unwrap();
        for group_by in [GroupBy::Sector, GroupBy::Period, GroupBy::Profile] {
            let options = Options {
                group_by,
                identify: true,
                ..Options::default()
            };
            let mut fold = Fold::new(group_by);
            let items: Vec<(String, String)> = (names.iter())
                .map(|n| (n.clone(), source.fetch(n).unwrap()))
                .collect();
            let unread = fold.add_batch(&items, |(name, text)| {
                let stored = codec.encode(&digest_of_text(name, text, &catalog).ok()?)?;
                Some((name.clone(), codec.decode(&stored.text)?, None))
            });
            assert!(!unread.is_empty(), "the population has invalid files");
            for i in unread {
                let (name, text) = &items[i];
                fold.add(name, digest_of_text(name, text, &catalog), None);
            }
            let folded = fold.finish(&catalog, &options).unwrap();
            let read = aggregate(&source, &catalog, &options, &()).unwrap();
            assert_eq!(
                serde_json::to_value(&folded).unwrap(),
                serde_json::to_value(&read).unwrap(),
                "{group_by:?}"
            );
        }
    }
}
