-- A counter of changes to the contacts (`organisation_contacts`), so that a server keeping a
-- call's resolved audience in memory (`http/call_members.rs`) asks one cheap question per
-- status and sees every writer (another server, `caf admin org contact`, a person with SQL).
-- Changes to the organisations themselves are in `aggregate_changes` (0007); the audience
-- itself changes only with a new call version.
--
-- PostgreSQL flavour (SQLite has its own file): a statement trigger bumps the one row in the
-- writing transaction (contacts are written rarely: writers of contacts wait for each other).

CREATE TABLE contact_changes (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL
);

INSERT INTO contact_changes (id, seq) VALUES (1, 0);

CREATE FUNCTION caf_contact_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE contact_changes SET seq = seq + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER contact_changed AFTER INSERT OR UPDATE OR DELETE ON organisation_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION caf_contact_changed();
