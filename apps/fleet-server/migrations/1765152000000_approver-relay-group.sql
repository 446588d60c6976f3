-- Up Migration

-- An approver binding may name the deployment group whose machines may relay that approver's
-- decisions (their workstations); a machine elsewhere asserting the same name is not believed.
ALTER TABLE approvers ADD COLUMN relay_group text REFERENCES deployment_groups (name) ON DELETE CASCADE;

-- Down Migration

ALTER TABLE approvers DROP COLUMN relay_group;
