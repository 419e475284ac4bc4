-- How many of a submission's outcomes still carry answers from an earlier period that nobody
-- has reviewed (`needs_review`), and how many have a status set by override, counted by the
-- server when the submission was received. Submissions stored before this migration count 0:
-- their summary JSON holds the review count if it is needed.

ALTER TABLE submissions ADD COLUMN unreviewed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN overridden BIGINT NOT NULL DEFAULT 0;
