//! Reading input files as text, and atomic file writes: a temporary file in the target's
//! folder, flushed to disk, then renamed over the target. A kill or power cut at any moment
//! leaves either the old file or the new one, never a half-written one.

use std::io::Write;
use std::path::Path;

use crate::diagnostic::SourceFile;
use crate::error::{Error, Result};

/// Reads a text input file: an I/O failure is [`Error::Read`], content that is not UTF-8 is
/// invalid input located at its first bad byte.
pub fn read_source(path: &Path) -> Result<SourceFile> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(SourceFile::decode(path.display().to_string(), bytes)?)
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let write_err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    // A device or FIFO (`-o /dev/null`, `-o /dev/stdout`) is written in place: renaming over
    // it would replace the device with a regular file for every other program.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut device| device.write_all(bytes))
            .map_err(write_err);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".caf-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(write_err)?;
    file.write_all(bytes).map_err(write_err)?;
    // A rewrite keeps the file's permissions. A new file stays readable by its owner only
    // (tempfile's default): assessments and reports describe an organisation's weaknesses.
    if let Ok(existing) = std::fs::metadata(path) {
        file.as_file()
            .set_permissions(existing.permissions())
            .map_err(write_err)?;
    }
    file.as_file().sync_all().map_err(write_err)?;
    file.persist(path).map_err(|e| write_err(e.error))?;
    // Make the rename itself durable; not every platform can open a directory, so best effort.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Today's date in UTC, from the system clock (no time-zone database needed for a date stamp).
pub fn today() -> crate::assessment::Date {
    date_of(time::OffsetDateTime::now_utc().date())
}

/// `time`'s date as ours; years outside 0..=65535 (which no clock gives) are clamped.
fn date_of(d: time::Date) -> crate::assessment::Date {
    crate::assessment::Date {
        year: d.year().clamp(0, i32::from(u16::MAX)) as u16,
        month: u8::from(d.month()),
        day: d.day(),
    }
}

/// The UK public-sector financial year containing `date`, as `2026/27`.
pub fn financial_year(date: crate::assessment::Date) -> String {
    let start = if date.month >= 4 {
        date.year
    } else {
        date.year - 1
    };
    format!("{start}/{:02}", (start + 1) % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_days_to_dates() {
        let day = |n: i64| date_of(time::Date::from_julian_day(2_440_588 + n as i32).unwrap());
        assert_eq!(day(0).to_string(), "1970-01-01");
        assert_eq!(day(20_780).to_string(), "2026-11-23");
        assert_eq!(day(11_016).to_string(), "2000-02-29");
        assert!(today() >= crate::assessment::Date::parse("2026-01-01").unwrap());
    }

    #[test]
    fn financial_years_start_in_april() {
        let d = |s| crate::assessment::Date::parse(s).unwrap();
        assert_eq!(financial_year(d("2026-04-01")), "2026/27");
        assert_eq!(financial_year(d("2027-03-31")), "2026/27");
        assert_eq!(financial_year(d("1999-12-01")), "1999/00");
    }

    #[test]
    fn atomic_write_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("out");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_atomic(&fifo, b"report").unwrap();
        assert_eq!(reader.join().unwrap(), b"report");
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "the FIFO was replaced by a file");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_private_and_rewrites_keep_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        write_atomic(&path, b"one").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(mode(&path), 0o640);
    }
}
