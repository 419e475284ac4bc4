-- The collection service's tables. This file runs unchanged on SQLite and PostgreSQL: only
-- TEXT and BIGINT columns, times as Unix milliseconds, identifiers made by the application.
-- Never edit a released migration; add a new numbered file instead.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    sector      TEXT,
    region      TEXT,
    parent      TEXT,
    created_at  BIGINT NOT NULL
);

-- A token's secret is never stored: only the SHA-256 of it, compared in constant time.
CREATE TABLE tokens (
    id            TEXT PRIMARY KEY,
    secret_sha256 TEXT NOT NULL,
    role          TEXT NOT NULL,
    org_id        TEXT REFERENCES organisations (id),
    scope_sector  TEXT,
    scope_parent  TEXT,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    revoked_at    BIGINT
);

-- Every version is kept. The current one for an organisation, framework and period is the one
-- with the highest version; the unique keys make concurrent writers (several server instances
-- on one database) safe: a lost race inserts nothing and is retried.
CREATE TABLE submissions (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations (id),
    framework       TEXT NOT NULL,
    period          TEXT NOT NULL,
    version         BIGINT NOT NULL,
    profile         TEXT,
    content_sha256  TEXT NOT NULL,
    token_id        TEXT NOT NULL,
    received_at     BIGINT NOT NULL,
    client_version  TEXT,
    server_version  TEXT NOT NULL,
    source          TEXT NOT NULL,
    summary         TEXT NOT NULL,  -- the server's score summary (JSON) when it was received
    UNIQUE (org_id, content_sha256),
    UNIQUE (org_id, framework, period, version)
);

CREATE INDEX submissions_received ON submissions (received_at);

-- Append-only: the application only ever inserts here.
CREATE TABLE audit_log (
    id            TEXT PRIMARY KEY,
    at            BIGINT NOT NULL,
    token_id      TEXT NOT NULL,
    role          TEXT NOT NULL,
    action        TEXT NOT NULL,
    submission_id TEXT,
    org_id        TEXT,
    detail        TEXT
);

CREATE INDEX audit_log_at ON audit_log (at);
