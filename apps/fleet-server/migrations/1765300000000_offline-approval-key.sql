-- Up Migration

-- The machine's offline-approval key (32 bytes, sent by its agent at registration): the server
-- makes the response an approver reads to an offline machine with it (docs/fleet.md).
ALTER TABLE machines ADD COLUMN offline_key bytea CHECK (offline_key IS NULL OR octet_length(offline_key) = 32);

-- Down Migration

ALTER TABLE machines DROP COLUMN offline_key;
