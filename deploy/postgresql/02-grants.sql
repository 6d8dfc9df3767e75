-- After every `dangan init` / `dangan db upgrade` (run by the schema owner or the superuser):
--   psql -d dangan -v app=dangan_app -v schema=dangan -f deploy/postgresql/02-grants.sql
-- Grants on what exists now (a table made before 01-roles.sql ran included), and the audit
-- trail closed to change: the application may add events, never update or delete them
-- (the migration's trigger refuses that too; this refuses it before the trigger is reached).
\set ON_ERROR_STOP on

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA :"schema" TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA :"schema" TO :"app";
REVOKE UPDATE, DELETE, TRUNCATE ON TABLE :"schema".stage_event FROM :"app";
