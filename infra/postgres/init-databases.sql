-- One role and one database per Fundtrail service: each service owns its data and shares none.
-- The postgres image runs this once (as the superuser, with psql), when its data volume is first
-- initialised. The passwords come from the container's environment (infra/.env), never from
-- this file; each role may log in and own its database, and nothing more: no superuser, no
-- new databases or roles, no connecting to another service's database.
\set ON_ERROR_STOP on
\getenv pledges_password PLEDGES_DB_PASSWORD
\getenv ledger_password LEDGER_DB_PASSWORD
\getenv updates_password UPDATES_DB_PASSWORD

CREATE ROLE fundtrail_pledges LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pledges_password';
CREATE ROLE fundtrail_ledger LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'ledger_password';
CREATE ROLE fundtrail_updates LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'updates_password';

-- The owner may create its tables (PostgreSQL 15: the public schema belongs to the database's
-- owner); PUBLIC loses the default CONNECT and TEMPORARY, so no role reaches another's data.
CREATE DATABASE fundtrail_pledges OWNER fundtrail_pledges;
REVOKE ALL ON DATABASE fundtrail_pledges FROM PUBLIC;
CREATE DATABASE fundtrail_ledger OWNER fundtrail_ledger;
REVOKE ALL ON DATABASE fundtrail_ledger FROM PUBLIC;
CREATE DATABASE fundtrail_updates OWNER fundtrail_updates;
REVOKE ALL ON DATABASE fundtrail_updates FROM PUBLIC;
