-- What a call's status reads of its responses without re-reading all of them on every request:
-- each response carries its place in its call's order of commits (`seq`), taken from the
-- call's counter in the transaction that stores it, so "the responses since N" is one index
-- range and a reader that has seen up to N never misses one committed later (on PostgreSQL
-- the counter's row lock orders the writers of one call). Responses stored before this
-- migration have seq 0: a reader starting from nothing reads them all. Runs unchanged on
-- SQLite and PostgreSQL.

ALTER TABLE calls ADD COLUMN responses_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE call_responses ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX call_responses_seq ON call_responses (call_id, seq);
