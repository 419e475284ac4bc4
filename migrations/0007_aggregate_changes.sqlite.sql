-- Which organisations' current submissions may have changed, so that a server keeping the
-- current digests in memory (`http/current.rs`) asks the database one cheap question per
-- aggregate and reloads only those organisations: several servers on one database, and any
-- other writer (`caf admin`, a person with SQL), stay seen. One row per organisation, `seq`
-- its latest change.
--
-- SQLite flavour (PostgreSQL has its own file): the database has one writer at a time, so a
-- counter (the highest `seq` plus one) orders changes as they commit. Triggers fill it, on
-- every table an aggregate of current submissions reads.

CREATE TABLE aggregate_changes (
    org_id  TEXT PRIMARY KEY,
    seq     BIGINT NOT NULL
);

CREATE INDEX aggregate_changes_seq ON aggregate_changes (seq);

CREATE TRIGGER aggregate_submission_inserted AFTER INSERT ON submissions BEGIN
    INSERT INTO aggregate_changes (org_id, seq)
    SELECT NEW.org_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM aggregate_changes) WHERE true
    ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq;
END;

CREATE TRIGGER aggregate_submission_updated AFTER UPDATE ON submissions BEGIN
    INSERT INTO aggregate_changes (org_id, seq)
    SELECT org, (SELECT COALESCE(MAX(seq), 0) + 1 FROM aggregate_changes)
    FROM (SELECT NEW.org_id AS org UNION SELECT OLD.org_id) WHERE true
    ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq;
END;

CREATE TRIGGER aggregate_submission_deleted AFTER DELETE ON submissions BEGIN
    INSERT INTO aggregate_changes (org_id, seq)
    SELECT OLD.org_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM aggregate_changes) WHERE true
    ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq;
END;

CREATE TRIGGER aggregate_organisation_inserted AFTER INSERT ON organisations BEGIN
    INSERT INTO aggregate_changes (org_id, seq)
    SELECT NEW.id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM aggregate_changes) WHERE true
    ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq;
END;

CREATE TRIGGER aggregate_organisation_updated AFTER UPDATE ON organisations BEGIN
    INSERT INTO aggregate_changes (org_id, seq)
    SELECT org, (SELECT COALESCE(MAX(seq), 0) + 1 FROM aggregate_changes)
    FROM (SELECT NEW.id AS org UNION SELECT OLD.id) WHERE true
    ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq;
END;

CREATE TRIGGER aggregate_organisation_deleted AFTER DELETE ON organisations BEGIN
    INSERT INTO aggregate_changes (org_id, seq)
    SELECT OLD.id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM aggregate_changes) WHERE true
    ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq;
END;

CREATE TRIGGER aggregate_digest_inserted AFTER INSERT ON submission_digests BEGIN
    INSERT INTO aggregate_changes (org_id, seq)
    SELECT s.org_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM aggregate_changes)
    FROM submissions s WHERE s.id = NEW.submission_id
    ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq;
END;

CREATE TRIGGER aggregate_digest_updated AFTER UPDATE ON submission_digests BEGIN
    INSERT INTO aggregate_changes (org_id, seq)
    SELECT s.org_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM aggregate_changes)
    FROM submissions s WHERE s.id IN (NEW.submission_id, OLD.submission_id)
    ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq;
END;

CREATE TRIGGER aggregate_digest_deleted AFTER DELETE ON submission_digests BEGIN
    INSERT INTO aggregate_changes (org_id, seq)
    SELECT s.org_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM aggregate_changes)
    FROM submissions s WHERE s.id = OLD.submission_id
    ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq;
END;
