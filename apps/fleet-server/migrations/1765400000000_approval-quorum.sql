-- Up Migration

-- Approval quorum (policy Extension.ApprovalQuorum): how many distinct approvers a request needs, and
-- who approved so far ([{ "by": { "uid", "name" }, "at" }], oldest first). Votes are added under the
-- row lock decide() takes, so racing approvers on any instance count once each and one decision wins.
ALTER TABLE approvals ADD COLUMN quorum integer NOT NULL DEFAULT 1 CHECK (quorum BETWEEN 1 AND 10);
ALTER TABLE approvals ADD COLUMN votes jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(votes) = 'array');

-- Down Migration

ALTER TABLE approvals DROP COLUMN votes;
ALTER TABLE approvals DROP COLUMN quorum;
