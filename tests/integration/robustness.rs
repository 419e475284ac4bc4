//! No input makes `caf` panic: mutated and arbitrary assessment text either loads or gives
//! diagnostics, and every diagnostic has a location inside the file.

use caf_core::diagnostic::SourceFile;
use caf_core::framework::Catalog;
use proptest::prelude::*;

fn example() -> String {
    crate::support::read(&crate::support::path(
        "examples/fire-rescue-caf-3.2-enhanced.toml",
    ))
}

fn check(text: String, catalog: &Catalog) {
    let lines = text.lines().count().max(1);
    match caf_core::assessment::parse(&SourceFile::new("fuzz.toml", text), catalog) {
        Ok(_) => {}
        Err(caf_core::Error::Invalid(diagnostics)) => {
            assert!(!diagnostics.is_empty());
            for d in diagnostics {
                let rendered = d.to_string();
                let loc = d.location.expect("every assessment diagnostic is located");
                assert!(loc.line <= lines + 1, "{rendered}");
            }
        }
        Err(other) => panic!("unexpected error kind: {other}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_examples_never_panic(cuts in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..40, "[ -~\n\"\\[\\]=é]{0,12}"), 1..4)) {
        let catalog = Catalog::shipped();
        let mut text = example();
        for (at, len, insert) in cuts {
            let mut start = at.index(text.len().max(1)).min(text.len());
            while !text.is_char_boundary(start) { start -= 1; }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            text.replace_range(start..end, &insert);
        }
        check(text, &catalog);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        check(text, &Catalog::shipped());
    }
}
