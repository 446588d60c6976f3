-- Up Migration

-- The agents' hash chain (docs/audit.md), kept as each machine sent it: its seq, the `at` text the
-- hash covers, and the two hashes. NULL for server events and for agents older than the chain.
ALTER TABLE audit_events
  ADD COLUMN chain_seq bigint,
  ADD COLUMN chain_at text,
  ADD COLUMN prev_hash text,
  ADD COLUMN hash text;
CREATE INDEX audit_chain ON audit_events (machine_id, chain_seq) WHERE chain_seq IS NOT NULL;

-- The machine's audit signing key (SPKI DER, base64), pinned from the first checkpoint it sent.
ALTER TABLE machines
  ADD COLUMN audit_public_key text,
  ADD COLUMN audit_key_pinned_at timestamptz;

-- Down Migration

ALTER TABLE machines DROP COLUMN audit_key_pinned_at, DROP COLUMN audit_public_key;
DROP INDEX audit_chain;
ALTER TABLE audit_events DROP COLUMN hash, DROP COLUMN prev_hash, DROP COLUMN chain_at, DROP COLUMN chain_seq;
