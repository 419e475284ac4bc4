-- Which organisations' current submissions may have changed, so that a server keeping the
-- current digests in memory (`http/current.rs`) asks the database one cheap question per
-- aggregate and reloads only those organisations: several servers on one database, and any
-- other writer (`caf admin`, a person with SQL), stay seen. One row per organisation, `seq`
-- its latest change.
--
-- PostgreSQL flavour (SQLite has its own file): writers run concurrently and commit in any
-- order, so `seq` is the writing transaction's id, and a reader takes as its mark the oldest
-- transaction still running when it looked (`pg_snapshot_xmin`): every change it has not seen
-- has an id at least that. No lock is shared between writers.

CREATE TABLE aggregate_changes (
    org_id  TEXT PRIMARY KEY,
    seq     BIGINT NOT NULL
);

CREATE INDEX aggregate_changes_seq ON aggregate_changes (seq);

CREATE FUNCTION caf_aggregate_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed RECORD;
    org TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD;
    ELSE
        changed := NEW;
    END IF;
    IF TG_TABLE_NAME = 'organisations' THEN
        org := changed.id;
    ELSIF TG_TABLE_NAME = 'submissions' THEN
        org := changed.org_id;
    ELSE
        SELECT s.org_id INTO org FROM submissions s WHERE s.id = changed.submission_id;
    END IF;
    IF org IS NOT NULL THEN
        INSERT INTO aggregate_changes (org_id, seq)
        VALUES (org, pg_current_xact_id()::text::bigint)
        ON CONFLICT (org_id) DO UPDATE SET seq = GREATEST(aggregate_changes.seq, excluded.seq);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER aggregate_submission_changed AFTER INSERT OR UPDATE OR DELETE ON submissions
    FOR EACH ROW EXECUTE FUNCTION caf_aggregate_changed();
CREATE TRIGGER aggregate_organisation_changed AFTER INSERT OR UPDATE OR DELETE ON organisations
    FOR EACH ROW EXECUTE FUNCTION caf_aggregate_changed();
CREATE TRIGGER aggregate_digest_changed AFTER INSERT OR UPDATE OR DELETE ON submission_digests
    FOR EACH ROW EXECUTE FUNCTION caf_aggregate_changed();
