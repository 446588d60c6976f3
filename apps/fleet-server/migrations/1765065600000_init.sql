-- Up Migration

CREATE TABLE deployment_groups (
  name text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Only a hash of each token is kept: the database never holds a usable token.
CREATE TABLE registration_tokens (
  token_hash text PRIMARY KEY,
  group_name text NOT NULL REFERENCES deployment_groups (name),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz,
  used_by uuid
);

CREATE TABLE machines (
  machine_id uuid PRIMARY KEY,
  hostname text NOT NULL,
  group_name text NOT NULL REFERENCES deployment_groups (name),
  public_key_sha256 text NOT NULL,
  registered_at timestamptz NOT NULL DEFAULT now(),
  cert_expires_at timestamptz NOT NULL,
  last_seen_at timestamptz,
  revoked_at timestamptz
);

-- One row per push; the highest version of a group is its current set.
CREATE TABLE policy_sets (
  group_name text NOT NULL REFERENCES deployment_groups (name),
  version integer NOT NULL CHECK (version > 0),
  sha256 text NOT NULL,
  policies jsonb NOT NULL,
  jobs jsonb NOT NULL,
  pushed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_name, version)
);

-- group_name NULL: an administrator of every group.
CREATE TABLE approvers (
  group_name text REFERENCES deployment_groups (name) ON DELETE CASCADE,
  principal_kind text NOT NULL CHECK (principal_kind IN ('user', 'group')),
  principal text NOT NULL,
  role text NOT NULL CHECK (role IN ('approver', 'secondaryApprover', 'administrator')),
  CHECK ((role = 'administrator') = (group_name IS NULL)),
  UNIQUE NULLS NOT DISTINCT (group_name, principal_kind, principal, role)
);

CREATE TABLE approvals (
  approval_id uuid PRIMARY KEY,
  machine_id uuid NOT NULL REFERENCES machines (machine_id),
  request_id text NOT NULL,
  group_name text NOT NULL REFERENCES deployment_groups (name),
  status text NOT NULL CHECK (status IN ('Pending', 'Escalated', 'Approved', 'Denied', 'Expired')),
  requester_uid integer NOT NULL,
  requester_name text NOT NULL,
  machine_name text NOT NULL,
  application jsonb NOT NULL,
  working_directory text NOT NULL,
  justification text NOT NULL,
  matched_policies jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  escalated_at timestamptz,
  decided_at timestamptz,
  decided_by_uid integer,
  decided_by_name text,
  decided_by_machine uuid,
  decision_reason text,
  usable_until timestamptz,
  UNIQUE (machine_id, request_id)
);
CREATE INDEX approvals_open ON approvals (expires_at) WHERE status IN ('Pending', 'Escalated');
CREATE INDEX approvals_group ON approvals (group_name, created_at DESC);

-- Durable events for one machine, redelivered over its stream until the agent acknowledges them.
CREATE TABLE machine_events (
  id bigserial PRIMARY KEY,
  machine_id uuid NOT NULL REFERENCES machines (machine_id),
  kind text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  acked_at timestamptz
);
CREATE INDEX machine_events_unacked ON machine_events (machine_id, id) WHERE acked_at IS NULL;

-- The fleet's audit: agents' events (idempotent by machine + event id) and the server's own.
CREATE TABLE audit_events (
  seq bigserial PRIMARY KEY,
  machine_id uuid REFERENCES machines (machine_id),
  event_id text NOT NULL,
  at timestamptz NOT NULL,
  type text NOT NULL,
  actor_uid integer,
  user_name text,
  request_id text,
  data jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  forwarded_at timestamptz,
  UNIQUE NULLS NOT DISTINCT (machine_id, event_id)
);
CREATE INDEX audit_by_machine ON audit_events (machine_id, at);
CREATE INDEX audit_by_user ON audit_events (user_name, at);
CREATE INDEX audit_by_time ON audit_events (at);
CREATE INDEX audit_unforwarded ON audit_events (seq) WHERE forwarded_at IS NULL;

-- Down Migration

DROP TABLE audit_events;
DROP TABLE machine_events;
DROP TABLE approvals;
DROP TABLE approvers;
DROP TABLE policy_sets;
DROP TABLE machines;
DROP TABLE registration_tokens;
DROP TABLE deployment_groups;
