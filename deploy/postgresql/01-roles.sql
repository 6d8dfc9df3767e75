-- A site's database, run once by the PostgreSQL superuser:
--   sudo -u postgres psql -d dangan -v owner=dangan_owner -v app=dangan_app -v schema=dangan \
--        -f deploy/postgresql/01-roles.sql
-- Two roles: the schema owner runs the migrations (`dangan init`, `dangan db upgrade`); the
-- application role (web server, CLI on the scan and retouch PCs) reads and writes rows but
-- cannot create, alter or drop anything, and cannot change or delete the audit trail.
-- Set their passwords afterwards with \password dangan_owner and \password dangan_app.
\set ON_ERROR_STOP on

CREATE ROLE :"owner" LOGIN;
CREATE ROLE :"app" LOGIN;

-- Nobody but the owner creates objects: not in the project's schema, not in public.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
CREATE SCHEMA :"schema" AUTHORIZATION :"owner";
REVOKE ALL ON SCHEMA :"schema" FROM PUBLIC;
GRANT USAGE ON SCHEMA :"schema" TO :"app";

-- Both roles find the tables without options in the URL.
ALTER ROLE :"owner" SET search_path = :"schema";
ALTER ROLE :"app" SET search_path = :"schema";

-- Tables and sequences the owner's migrations create later are the application's to use.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA :"schema"
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA :"schema"
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
