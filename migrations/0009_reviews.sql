-- Assurance reviews of stored submissions, and the organisations each reviewer token is
-- assigned to. Runs unchanged on SQLite and PostgreSQL. Never edit a released migration; add a
-- new numbered file instead.

-- A reviewer token sees only the organisations it is assigned to (by an administrator).
CREATE TABLE reviewer_assignments (
    token_id     TEXT NOT NULL REFERENCES tokens (id),
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    assigned_at  BIGINT NOT NULL,
    assigned_by  TEXT NOT NULL,
    PRIMARY KEY (token_id, org_id)
);

-- One review per reviewed submission. `status` is to-do, in-progress, completed (from the
-- latest file) or finalised (on the server, which locks it); `version` is the numbered version
-- now current, and `reopened` says the next file starts the next version.
CREATE TABLE reviews (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations (id),
    submission_id   TEXT NOT NULL REFERENCES submissions (id),
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    version         BIGINT NOT NULL,
    reopened        BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    finalised_at    BIGINT,
    finalised_by    TEXT,
    UNIQUE (submission_id)
);

CREATE INDEX reviews_org ON reviews (org_id);

-- Every file received is kept, as it was sent; the current one is the highest revision.
-- `decisions` is what the review-against-self-assessment figures need: per outcome the
-- self-assessed status and the reviewer's decision (JSON).
CREATE TABLE review_versions (
    review_id       TEXT NOT NULL REFERENCES reviews (id),
    revision        BIGINT NOT NULL,
    version         BIGINT NOT NULL,
    status          TEXT NOT NULL,
    source          TEXT NOT NULL,
    content_sha256  TEXT NOT NULL,
    decisions       TEXT NOT NULL,
    token_id        TEXT NOT NULL,
    received_at     BIGINT NOT NULL,
    PRIMARY KEY (review_id, revision)
);
