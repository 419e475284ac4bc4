-- Incident data calls: a question set addressed to some organisations, their answers, and
-- organisations' contacts for chasing. Runs unchanged on SQLite and PostgreSQL. Never edit a
-- released migration; add a new numbered file instead.

-- One row per call; `version` is its current version in call_versions.
CREATE TABLE calls (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    severity    TEXT NOT NULL,
    deadline    BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    token_id    TEXT NOT NULL,
    closed_at   BIGINT
);

-- Every version of a call's file is kept, as it was sent.
CREATE TABLE call_versions (
    call_id         TEXT NOT NULL REFERENCES calls (id),
    version         BIGINT NOT NULL,
    source          TEXT NOT NULL,
    content_sha256  TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    token_id        TEXT NOT NULL,
    PRIMARY KEY (call_id, version)
);

-- Who a call is addressed to, fixed when it is created (and widened by a later version): a
-- response is checked against an index, and the picture does not move as the registry does.
CREATE TABLE call_audience (
    call_id  TEXT NOT NULL REFERENCES calls (id),
    org_id   TEXT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (call_id, org_id)
);

-- Every version of every answer is kept; the current one is the highest version. The unique
-- keys make concurrent writers safe (a lost race inserts nothing and is retried) and a
-- client's retry with the same idempotency key a no-op.
CREATE TABLE call_responses (
    id               TEXT PRIMARY KEY,
    call_id          TEXT NOT NULL REFERENCES calls (id),
    org_id           TEXT NOT NULL REFERENCES organisations (id),
    version          BIGINT NOT NULL,
    call_version     BIGINT NOT NULL,
    answers          TEXT NOT NULL,  -- the checked answers, JSON
    content_sha256   TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    token_id         TEXT NOT NULL,
    received_at      BIGINT NOT NULL,
    UNIQUE (call_id, org_id, version),
    UNIQUE (call_id, org_id, idempotency_key)
);

-- Whom to chase when an organisation has not answered (a mailbox or telephone number).
CREATE TABLE organisation_contacts (
    org_id      TEXT PRIMARY KEY REFERENCES organisations (id),
    contact     TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
