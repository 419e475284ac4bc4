-- Targeted Improvement Plans (TIPs): an organisation's plan made from a stored, finalised
-- review. Runs unchanged on SQLite and PostgreSQL. Never edit a released migration; add a new
-- numbered file instead.

-- One plan per review it answers; `version` is the version now current (the highest stored).
CREATE TABLE tips (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    review_id   TEXT NOT NULL REFERENCES reviews (id),
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (review_id)
);

CREATE INDEX tips_org ON tips (org_id);

-- Every file received is kept, as it was sent, with the review file it was checked against
-- (its SHA-256 and revision) and `digest`: what progress across organisations needs (the
-- counts and the open actions' target dates, JSON), so no report reads the files again.
CREATE TABLE tip_versions (
    tip_id           TEXT NOT NULL REFERENCES tips (id),
    version          BIGINT NOT NULL,
    source           TEXT NOT NULL,
    content_sha256   TEXT NOT NULL,
    review_sha256    TEXT NOT NULL,
    review_revision  BIGINT NOT NULL,
    approved         BIGINT NOT NULL,
    digest           TEXT NOT NULL,
    token_id         TEXT NOT NULL,
    received_at      BIGINT NOT NULL,
    PRIMARY KEY (tip_id, version)
);
