-- Withdrawal, quotas and where audited requests came from. Runs unchanged on SQLite and
-- PostgreSQL. Never edit a released migration; add a new numbered file instead.

-- A withdrawn submission is kept (and still counts against its organisation's quota) but is
-- never current: aggregates and `current` lists skip it.
ALTER TABLE submissions ADD COLUMN withdrawn_at BIGINT;
ALTER TABLE submissions ADD COLUMN withdrawn_by TEXT;
ALTER TABLE submissions ADD COLUMN withdrawn_reason TEXT;

-- The assessment's size in bytes, so a quota check reads an index instead of every text.
ALTER TABLE submissions ADD COLUMN source_bytes BIGINT NOT NULL DEFAULT 0;
UPDATE submissions SET source_bytes = LENGTH(source);
CREATE INDEX submissions_quota ON submissions (org_id, period, source_bytes);

-- The client address of the request an entry records (NULL for `caf admin` on the database).
ALTER TABLE audit_log ADD COLUMN client_addr TEXT;
