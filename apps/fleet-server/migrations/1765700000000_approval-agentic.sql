-- Up Migration

-- What the requesting agent detected about an AI agent acting for the requester (docs/agentic.md):
-- the AgenticDetection as filed, or NULL when none was detected. `agentic_reported` tells that apart
-- from an older agent that sends nothing, so approvers see "none detected" only when it was looked for.
ALTER TABLE approvals
  ADD COLUMN agentic jsonb CHECK (agentic IS NULL OR jsonb_typeof(agentic) = 'object'),
  ADD COLUMN agentic_reported boolean NOT NULL DEFAULT false;

-- Down Migration

ALTER TABLE approvals DROP COLUMN agentic_reported, DROP COLUMN agentic;
