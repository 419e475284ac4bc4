//! The shipped v4.0 profiles are GovAssure's published Government CAF profiles: the vendored
//! table (`tests/fixtures/govassure/`) outcome by outcome, and random v4.0 assessments whose
//! every `met` verdict is worked out here, independently, from that table and the rule.

use std::collections::BTreeMap;

use caf_core::diagnostic::SourceFile;
use caf_core::framework::{Catalog, Level, Status};

/// (baseline, enhanced) minimum per outcome id, as the published table gives them.
fn published(text: &str) -> BTreeMap<String, (Status, Status)> {
    let status = |value: &str| match value {
        "Achieved" => Status::Achieved,
        "Partially achieved" => Status::PartiallyAchieved,
        "Not achieved" => Status::NotAchieved,
        other => panic!("unexpected value `{other}` in the profile table"),
    };
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
            assert_eq!(cells.len(), 4, "{line}");
            (cells[0].to_string(), (status(cells[2]), status(cells[3])))
        })
        .collect()
}

fn vendored() -> BTreeMap<String, (Status, Status)> {
    published(&crate::support::read(&crate::support::path(
        "tests/fixtures/govassure/caf-4.0-profiles.tsv",
    )))
}

#[test]
fn v4_0_targets_are_the_published_govassure_table() {
    let table = vendored();
    assert_eq!(table.len(), 41);
    let catalog = Catalog::shipped();
    let framework = catalog.framework("caf-4.0").unwrap();
    assert_eq!(
        framework
            .outcomes
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>(),
        table.keys().map(String::as_str).collect::<Vec<_>>(),
        "the table and the framework list the same outcomes in the same order"
    );
    for (name, pick) in [("baseline", 0), ("enhanced", 1)] {
        let profile = framework.profile(name).unwrap();
        assert!(!profile.provisional, "{name} is published, not provisional");
        for outcome in &framework.outcomes {
            let row = table[outcome.id.as_str()];
            let expected = if pick == 0 { row.0 } else { row.1 };
            assert_eq!(
                profile.target(&outcome.id),
                Some(expected),
                "{name} {}",
                outcome.id.as_str()
            );
        }
    }
    // The totals the publication states.
    let count = |pick: usize, status: Status| {
        table
            .values()
            .filter(|row| (if pick == 0 { row.0 } else { row.1 }) == status)
            .count()
    };
    assert_eq!(count(0, Status::Achieved), 22);
    assert_eq!(count(0, Status::PartiallyAchieved), 19);
    assert_eq!(count(1, Status::Achieved), 35);
    assert_eq!(count(1, Status::PartiallyAchieved), 6);
}

/// The vendored copy still says what the reference data says, when the reference is beside
/// the repository (it is not part of a clone).
#[test]
fn the_vendored_table_matches_the_reference_when_present() {
    let reference = crate::support::path("../shared/reference/govassure/caf-4.0-profiles.tsv");
    if !reference.is_file() {
        eprintln!(
            "note: {} not found; the vendored table alone was checked",
            reference.display()
        );
        return;
    }
    assert_eq!(published(&crate::support::read(&reference)), vendored());
}

/// A small deterministic generator (xorshift), so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// The rule as published, written out here rather than taken from the shipped file: any
/// not-achieved statement gives Not achieved; every achieved statement gives Achieved; every
/// partially-achieved statement (when the outcome has some) gives Partially achieved; otherwise
/// Not achieved.
fn expected_status(selected: &[(Level, bool)]) -> Status {
    let all = |level: Level| {
        let at: Vec<bool> = selected
            .iter()
            .filter(|(l, _)| *l == level)
            .map(|(_, s)| *s)
            .collect();
        !at.is_empty() && at.iter().all(|s| *s)
    };
    if selected.iter().any(|(l, s)| *l == Level::NotAchieved && *s) {
        Status::NotAchieved
    } else if all(Level::Achieved) {
        Status::Achieved
    } else if all(Level::PartiallyAchieved) {
        Status::PartiallyAchieved
    } else {
        Status::NotAchieved
    }
}

fn order(status: Status) -> u8 {
    match status {
        Status::NotAchieved => 0,
        Status::PartiallyAchieved => 1,
        Status::Achieved => 2,
        Status::NotAssessed => unreachable!("only judged statuses are compared"),
    }
}

#[test]
fn random_v4_0_assessments_meet_targets_exactly_as_the_table_says() {
    let table = vendored();
    let catalog = Catalog::shipped();
    let framework = catalog.framework("caf-4.0").unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut verdicts = 0;
    for case in 0..300 {
        // Each case leans a different way, so every status and verdict is well represented.
        let tick = [35, 60, 85, 97][case % 4];
        let mut text = format!(
            "# random case {case}\nframework = \"caf-4.0\"\nperiod = \"2026/27\"\n\n\
             [organisation]\nname = \"Case {case}\"\nid = \"R{case:04}\"\n"
        );
        let mut expected = BTreeMap::new();
        for outcome in &framework.outcomes {
            if rng.chance(8) {
                continue; // not assessed
            }
            let mut picks = Vec::new();
            let mut selected = Vec::new();
            for indicator in &outcome.indicators {
                let on = match indicator.level {
                    Level::NotAchieved => rng.chance(100 - tick),
                    _ => rng.chance(tick),
                };
                picks.push((indicator.level, on));
                if on {
                    selected.push(format!("\"{}\"", indicator.reference.as_str()));
                }
            }
            // Any order, as a person editing the file would leave it.
            if rng.chance(50) {
                selected.reverse();
            }
            text.push_str(&format!(
                "\n[outcomes.\"{}\"]\nselected = [{}]\n",
                outcome.id.as_str(),
                selected.join(", ")
            ));
            expected.insert(outcome.id.as_str().to_string(), expected_status(&picks));
        }
        let text = if case % 3 == 0 {
            text.replace('\n', "\r\n")
        } else {
            text
        };
        let loaded = caf_core::assessment::parse(&SourceFile::new("case.toml", text), &catalog)
            .unwrap_or_else(|e| panic!("case {case}: {e}"));
        for (name, pick) in [("baseline", 0), ("enhanced", 1)] {
            let profile = framework.profile(name).unwrap();
            let card = caf_core::scoring::score(&framework, &loaded.assessment, Some(profile));
            for o in &card.outcomes {
                let row = table[o.id.as_str()];
                let target = if pick == 0 { row.0 } else { row.1 };
                match expected.get(o.id.as_str()) {
                    None => assert_eq!(o.met, None, "case {case} {name} {}", o.id),
                    Some(status) => {
                        assert_eq!(o.status, *status, "case {case} {}", o.id);
                        assert_eq!(
                            o.met,
                            Some(order(*status) >= order(target)),
                            "case {case} {name} {}",
                            o.id
                        );
                        verdicts += 1;
                    }
                }
            }
        }
    }
    assert!(verdicts > 20_000, "{verdicts} verdicts compared");
}
