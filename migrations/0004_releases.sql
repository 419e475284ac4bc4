-- Releases: what service viewers see. A release freezes, for one period, which submission of
-- each organisation counts and the organisation's registered groups at that moment, so that
-- no later submission, new version or registry change alters what viewers were shown
-- (docs/disclosure.md). One release per period; a release is never changed or replaced.

CREATE TABLE releases (
    id          TEXT PRIMARY KEY,
    period      TEXT NOT NULL UNIQUE,
    cut_at      BIGINT NOT NULL,
    token_id    TEXT NOT NULL
);

CREATE TABLE release_members (
    release_id     TEXT NOT NULL REFERENCES releases (id),
    submission_id  TEXT NOT NULL REFERENCES submissions (id),
    org_id         TEXT NOT NULL,
    name           TEXT NOT NULL,
    sector         TEXT,
    region         TEXT,
    parent         TEXT,
    PRIMARY KEY (release_id, submission_id)
);

-- The secret every organisation's record key (the cell-key perturbation) is derived from:
-- one row, made on first use, the same for every release so the same organisations always
-- get the same noise. Held with the data it protects; never sent to anyone.
CREATE TABLE disclosure_secret (
    id          BIGINT PRIMARY KEY,
    secret      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
