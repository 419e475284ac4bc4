-- What aggregation needs of each submission, kept when it is received so that an aggregate
-- reads a few hundred bytes per submission instead of re-reading and re-scoring every text
-- (`caf_core::aggregate::stored`: per outcome the status, target, whether it is met, and the
-- override and needs-review marks; the profile, the period and the suppliers). The text in
-- `submissions.source` stays the record. Runs unchanged on SQLite and PostgreSQL.
--
-- `fingerprint` names the framework definition the digest was scored under. Submissions
-- stored before this migration, and digests of a definition the server no longer has, are
-- (re)made from their text when the server starts; until then an aggregate reads their text.

CREATE TABLE submission_digests (
    submission_id  TEXT PRIMARY KEY REFERENCES submissions (id),
    fingerprint    TEXT NOT NULL,
    digest         TEXT NOT NULL
);

-- The columns an aggregate reads of `submissions` (which versions are current), so that
-- SQLite answers from this index and never reads the rows that hold the texts: an aggregate
-- touches the same pages however long the texts are. (A release's members are read from
-- `release_members` and `releases` without touching `submissions` at all.)
CREATE INDEX submissions_current ON submissions (org_id, framework, period, version, withdrawn_at, id);
