-- Creates one database per Fundtrail service: each service owns its data and shares none.
-- The postgres image runs this once, when its data volume is first initialised.
CREATE DATABASE fundtrail_pledges;
CREATE DATABASE fundtrail_ledger;
CREATE DATABASE fundtrail_updates;
