-- A counter of changes to the contacts (`organisation_contacts`), so that a server keeping a
-- call's resolved audience in memory (`http/call_members.rs`) asks one cheap question per
-- status and sees every writer (another server, `caf admin org contact`, a person with SQL).
-- Changes to the organisations themselves are in `aggregate_changes` (0007); the audience
-- itself changes only with a new call version.
--
-- SQLite flavour (PostgreSQL has its own file): triggers bump the one row in the writing
-- transaction.

CREATE TABLE contact_changes (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL
);

INSERT INTO contact_changes (id, seq) VALUES (1, 0);

CREATE TRIGGER contact_inserted AFTER INSERT ON organisation_contacts BEGIN
    UPDATE contact_changes SET seq = seq + 1 WHERE id = 1;
END;

CREATE TRIGGER contact_updated AFTER UPDATE ON organisation_contacts BEGIN
    UPDATE contact_changes SET seq = seq + 1 WHERE id = 1;
END;

CREATE TRIGGER contact_deleted AFTER DELETE ON organisation_contacts BEGIN
    UPDATE contact_changes SET seq = seq + 1 WHERE id = 1;
END;
