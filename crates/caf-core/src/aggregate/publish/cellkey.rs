//! The cell-key method: every organisation has a secret random record key, a cell's key is the
//! sum of its members' keys, and a fixed perturbation table turns (count, cell key) into the
//! published count. The same organisations always get the same noise, so asking again (or in
//! another table) cannot average it away, while two cells that differ by one organisation get
//! unrelated noise, so subtracting them does not isolate it.
//!
//! Pure: the secret is passed in; nothing here reads a clock, a file or a random source.

use std::fmt;

use sha2::{Digest, Sha256};

/// Record and cell keys live in 0..KEY_SPACE, as in the ONS method (record keys 0–255).
pub const KEY_SPACE: u32 = 256;

/// The secret every record key is derived from. Its value never appears in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

/// Shorter secrets than this are refused: the record keys must not be guessable.
pub const MIN_SECRET_BYTES: usize = 16;

impl Secret {
    /// `None` when `bytes` is shorter than [`MIN_SECRET_BYTES`].
    pub fn new(bytes: impl Into<Vec<u8>>) -> Option<Secret> {
        let bytes = bytes.into();
        (bytes.len() >= MIN_SECRET_BYTES).then_some(Secret(bytes))
    }

    /// An organisation's record key. SHA-256 over a domain tag, the secret's length, the secret
    /// and the id: the length prefix keeps (secret, id) pairs from running into each other, and
    /// the output is never shown, so a plain keyed hash serves as well as an HMAC here.
    pub fn record_key(&self, organisation: &str) -> u32 {
        let mut hash = Sha256::new();
        hash.update(b"caf record key/1\0");
        hash.update((self.0.len() as u64).to_be_bytes());
        hash.update(&self.0);
        hash.update(organisation.as_bytes());
        u32::from(hash.finalize()[0]) % KEY_SPACE
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The key of a cell: its members' record keys summed modulo [`KEY_SPACE`].
pub fn cell_key(record_keys: impl IntoIterator<Item = u32>) -> u32 {
    record_keys
        .into_iter()
        .fold(0, |key, k| (key + k) % KEY_SPACE)
}

/// The perturbation table: for a true count's row, how many of the 256 cell keys map to each
/// published offset. Rows 1 and 2 may be published as 0, so a 0 does not prove absence and a
/// small count never proves presence; from 3 up the offset is -2..=+2, centred on the truth.
/// Each row sums to [`KEY_SPACE`].
const TABLE: [&[(i64, u32)]; 3] = [
    // count 1 → 0, 1, 2, 3
    &[(-1, 64), (0, 80), (1, 64), (2, 48)],
    // count 2 → 0, 1, 2, 3, 4
    &[(-2, 32), (-1, 56), (0, 80), (1, 56), (2, 32)],
    // count ≥ 3 → count - 2 ..= count + 2
    &[(-2, 26), (-1, 51), (0, 102), (1, 51), (2, 26)],
];

/// The published value of a cell counting `count` organisations whose cell key is `key`.
/// A true 0 stays 0 (an empty cell has no members to key it); nothing becomes negative.
pub fn perturb(count: u32, key: u32) -> u32 {
    if count == 0 {
        return 0;
    }
    let row = TABLE[(count as usize).min(TABLE.len()) - 1];
    let mut position = key % KEY_SPACE;
    for &(offset, width) in row {
        if position < width {
            return (i64::from(count) + offset).max(0) as u32;
        }
        position -= width;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_table_covers_the_key_space() {
        for row in TABLE {
            assert_eq!(row.iter().map(|(_, w)| w).sum::<u32>(), KEY_SPACE);
        }
    }

    #[test]
    fn the_same_members_always_get_the_same_noise() {
        let secret = Secret::new(*b"0123456789abcdef").unwrap();
        let keys: Vec<u32> = ["a", "b", "c"]
            .iter()
            .map(|o| secret.record_key(o))
            .collect();
        let once = perturb(3, cell_key(keys.clone()));
        // In any order, any number of times.
        for _ in 0..10 {
            assert_eq!(perturb(3, cell_key(keys.iter().rev().copied())), once);
        }
        // Another secret keys the same organisations differently.
        let other = Secret::new(*b"fedcba9876543210").unwrap();
        let differs = (0..50).any(|i| {
            let id = format!("org-{i}");
            secret.record_key(&id) != other.record_key(&id)
        });
        assert!(differs);
    }

    #[test]
    fn published_values_stay_near_the_truth_and_never_go_negative() {
        for count in 0..50 {
            let mut published = std::collections::BTreeSet::new();
            for key in 0..KEY_SPACE {
                let p = perturb(count, key);
                assert!(p.abs_diff(count) <= 2, "{count} -> {p}");
                published.insert(p);
            }
            match count {
                0 => assert_eq!(published, [0].into()),
                1 => assert_eq!(published, [0, 1, 2, 3].into()),
                // Every count from 2 has five possible published values.
                _ => assert_eq!(published.len(), 5, "{count}"),
            }
        }
    }

    /// The noise is centred: over all cell keys the mean offset of a count from 3 up is 0.
    #[test]
    fn noise_is_unbiased_from_three_up() {
        let sum: i64 = (0..KEY_SPACE).map(|k| i64::from(perturb(10, k)) - 10).sum();
        assert_eq!(sum, 0);
    }

    #[test]
    fn short_secrets_are_refused_and_never_printed() {
        assert!(Secret::new(*b"short").is_none());
        let secret = Secret::new(*b"do not print me!").unwrap();
        assert!(!format!("{secret:?}").contains("print"));
    }

    #[test]
    fn record_keys_spread_over_the_key_space() {
        let secret = Secret::new(*b"0123456789abcdef").unwrap();
        let mut seen = [0u32; KEY_SPACE as usize];
        for i in 0..25_600 {
            seen[secret.record_key(&format!("org-{i}")) as usize] += 1;
        }
        // About 100 each; a broken derivation (constant, a few values) fails this.
        assert!(seen.iter().all(|&n| (40..=180).contains(&n)), "{seen:?}");
    }
}
