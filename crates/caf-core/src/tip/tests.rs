use super::table::{TipTable, apply, read_grid};
use super::*;
use crate::framework::Catalog;
use crate::plan::table::Grid;

fn fixture(name: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/review/");
    std::fs::read_to_string(format!("{dir}{name}")).unwrap()
}

fn sha(text: &str) -> String {
    content_hash(text)
}

/// The fixture review's report, with the review's text.
fn review(finalised: bool) -> (ReviewReport, String) {
    let catalog = Catalog::shipped();
    let assessment = crate::assessment::parse(
        &SourceFile::new("council.toml", fixture("council.toml")),
        &catalog,
    )
    .unwrap();
    let mut text = fixture("review.toml");
    if !finalised {
        text = text.replace("status = \"finalised\"", "status = \"completed\"");
    }
    let review =
        crate::review::read(&SourceFile::new("review.toml", text.clone()), &assessment).unwrap();
    (ReviewReport::build(&review, &assessment).unwrap(), text)
}

fn started() -> (String, Pairing) {
    let (report, text) = review(true);
    let hash = sha(&text);
    (
        init(&report, "review.toml", &hash).unwrap(),
        Pairing::of(&report, &hash),
    )
}

fn problems(text: &str, pairing: Option<&Pairing>) -> Vec<(Code, usize, usize)> {
    let Err(Error::Invalid(diags)) = read(&SourceFile::new("tip.toml", text), pairing) else {
        panic!("{text} is valid")
    };
    (diags.iter())
        .map(|d| {
            let at = d.location.as_ref().expect("located");
            (d.code, at.line, at.column)
        })
        .collect()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn every_recommendation_of_a_finalised_review_becomes_an_action() {
    let (text, pairing) = started();
    let tip = read(&SourceFile::new("tip.toml", text.clone()), Some(&pairing)).unwrap();
    let ids: Vec<(&str, &str, bool)> = (tip.actions.iter())
        .map(|a| (a.id.as_str(), a.outcome.as_str(), a.priority))
        .collect();
    assert_eq!(
        ids,
        [
            ("REC-A1A1", "A1.a", true),
            ("REC-A2A1", "A2.a", false),
            ("REC-A2A2", "A2.a", false),
            ("REC-B4A1", "B4.a", true)
        ]
    );
    assert!(!tip.approved());
    assert_eq!(tip.actions[1].risk, "Risks are assessed once a year only");
    assert!(
        tip.actions
            .iter()
            .all(|a| a.status == ActionStatus::Planned)
    );
    // A review that is not finalised makes no plan.
    let (report, _) = review(false);
    let Err(Error::Invalid(d)) = init(&report, "review.toml", "x") else {
        panic!()
    };
    assert_eq!(d[0].code, Code::ReviewNotFinalised);
}

#[test]
fn a_changed_review_and_foreign_ids_are_refused_where_they_are() {
    let (text, pairing) = started();
    let changed = Pairing {
        review_sha256: "0".repeat(64),
        ..pairing.clone()
    };
    assert_eq!(
        problems(&text, Some(&changed)),
        [(Code::TipMismatch, line_of(&text, "review_sha256"), 17)]
    );
    // Without the pairing only the file itself is checked.
    assert!(read(&SourceFile::new("tip.toml", text.clone()), None).is_ok());
    let foreign = text.replace("\"REC-A2A2\"", "\"REC-C1A1\"");
    assert_eq!(
        problems(&foreign, Some(&pairing)),
        [
            (
                Code::UnknownRecommendation,
                line_of(&foreign, "REC-C1A1"),
                6
            ),
            // And REC-A2A2 is now missing: said of the file.
            (Code::MissingKey, 0, 0),
        ]
    );
}

#[test]
fn bad_actions_are_all_reported_and_approval_needs_dates() {
    let (text, _) = started();
    let bad = text
        .replacen("status = \"planned\"", "status = \"started\"", 1)
        .replacen("due = \"\"", "due = \"2027-02-30\"", 2)
        .replacen("status = \"planned\"", "status = \"not-planned\"", 2);
    let got = problems(&bad, None);
    let codes: Vec<Code> = got.iter().map(|p| p.0).collect();
    assert_eq!(
        codes,
        [
            Code::InvalidDate,
            Code::InvalidActionStatus,
            Code::MissingReason,
            Code::MissingReason,
            // The second bad date says the same as the first, so it is counted, not repeated.
            Code::MoreProblems
        ],
        "{got:?}"
    );
    assert_eq!(got[1].1, line_of(&bad, "\"started\""));
    // Approved: every open action needs its target date.
    let on = Date::parse("2026-12-01").unwrap();
    let Err(Error::Invalid(d)) = approve(
        &SourceFile::new("tip.toml", text.clone()),
        "Chief Executive",
        on,
    ) else {
        panic!("approved without dates")
    };
    assert!(d.iter().all(|d| d.code == Code::MissingDue), "{d:?}");
    assert_eq!(d.len(), 4);
    let dated = text.replace("due = \"\"", "due = \"2027-03-31\"");
    let approved = approve(
        &SourceFile::new("tip.toml", dated.clone()),
        "Chief Executive",
        on,
    )
    .unwrap();
    let changed: Vec<&str> = (approved.lines().zip(dated.lines()))
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a)
        .collect();
    assert_eq!(
        changed,
        [
            "approved_by = \"Chief Executive\"",
            "approved_on = \"2026-12-01\""
        ]
    );
    let tip = read(&SourceFile::new("tip.toml", approved), None).unwrap();
    assert_eq!(tip.approval.approved_on, Some(on));
}

#[test]
fn progress_counts_statuses_and_overdue_as_of_a_day() {
    let (text, _) = started();
    let edited = text
        .replacen("due = \"\"", "due = \"2026-01-31\"", 1)
        .replacen("status = \"planned\"", "status = \"in-progress\"", 1)
        .replacen("due = \"\"", "due = \"2026-01-31\"", 1)
        .replacen("status = \"planned\"", "status = \"done\"", 1)
        .replacen("status = \"planned\"", "status = \"not-planned\"", 1)
        .replacen("reason = \"\"", "reason = \"x\"", 3);
    let tip = read(&SourceFile::new("tip.toml", edited), None).unwrap();
    let as_of = Date::parse("2026-06-01").unwrap();
    let p = progress(&tip, as_of);
    assert_eq!(
        (
            p.actions,
            p.priority,
            p.priority_open,
            p.planned,
            p.in_progress,
            p.done,
            p.not_planned,
            p.overdue
        ),
        (4, 2, 2, 1, 1, 1, 1, 1)
    );
    // The digest the service keeps judges the same on any day.
    let digest = Digest::of(&tip);
    assert_eq!(digest.progress(as_of), p);
    assert_eq!(
        digest.progress(Date::parse("2026-01-31").unwrap()).overdue,
        0
    );
    let check = Check::of(&tip, "tip.toml", as_of);
    assert_eq!(check.overdue.len(), 1);
    assert_eq!(check.overdue[0].id, "REC-A1A1");
}

fn grid_of(tip: &Tip) -> Grid {
    let table = TipTable::of(tip, "tip.toml", Date::parse("2026-06-01").unwrap());
    let mut rows = vec![TipTable::header().iter().map(|c| c.to_string()).collect()];
    rows.extend(
        table
            .rows
            .iter()
            .map(|r| r.cells().map(String::from).to_vec()),
    );
    Grid {
        name: "plan.csv".into(),
        rows,
    }
}

#[test]
fn the_table_round_trips_and_edits_only_what_changed() {
    let (text, _) = started();
    for text in [text.clone(), text.replace('\n', "\r\n")] {
        let source = SourceFile::new("tip.toml", text.clone());
        let tip = read(&source, None).unwrap();
        let mut grid = grid_of(&tip);
        assert_eq!(
            apply(&source, &tip, &read_grid(&grid, &tip).unwrap()).unwrap(),
            text
        );
        grid.rows[2][2] = "Head of Risk".into();
        grid.rows[2][5] = "2027-03-31".into();
        grid.rows[3][6] = "not-planned".into();
        grid.rows[3][7] = "Covered by REC-A2A1".into();
        let after = apply(&source, &tip, &read_grid(&grid, &tip).unwrap()).unwrap();
        let changed: Vec<&str> = (after.lines().zip(text.lines()))
            .filter(|(a, b)| a != b)
            .map(|(a, _)| a.trim_end())
            .collect();
        assert_eq!(
            changed,
            [
                "owner = \"Head of Risk\"",
                "due = \"2027-03-31\"",
                "status = \"not-planned\"",
                "reason = \"Covered by REC-A2A1\""
            ]
        );
        let reread = read(&SourceFile::new("tip.toml", after), None).unwrap();
        assert_eq!(reread.actions[1].owner, "Head of Risk");
        assert_eq!(reread.actions[0], tip.actions[0]);
    }
}

#[test]
fn bad_rows_are_reported_at_their_row_and_column() {
    let (text, _) = started();
    let tip = read(&SourceFile::new("tip.toml", text), None).unwrap();
    let mut grid = grid_of(&tip);
    grid.rows[1][0] = "REC-Z9Z1".into();
    grid.rows[2][5] = "31/03/2027".into();
    grid.rows[3][6] = "started".into();
    grid.rows[4][6] = "not-planned".into();
    let extra = grid.rows[4].clone();
    grid.rows.push(extra);
    let Err(Error::Invalid(diags)) = read_grid(&grid, &tip) else {
        panic!("bad rows were accepted")
    };
    let got: Vec<(Code, usize, usize)> = (diags.iter())
        .map(|d| {
            let at = d.location.as_ref().unwrap();
            (d.code, at.line, at.column)
        })
        .collect();
    assert_eq!(
        got,
        [
            (Code::UnknownRecommendation, 2, 1),
            (Code::InvalidDate, 3, 6),
            (Code::InvalidActionStatus, 4, 7),
            (Code::MissingReason, 5, 7),
            (Code::DuplicateId, 6, 1),
        ]
    );
}

#[test]
fn a_tip_is_told_from_an_assessment_by_its_review_hash() {
    let (text, _) = started();
    assert!(is_tip(&text));
    assert!(!is_tip(&fixture("council.toml")));
    assert!(!is_tip("not = [toml"));
}
