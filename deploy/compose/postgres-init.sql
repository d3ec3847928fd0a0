-- Run once by the postgres image on an empty volume: one database per service, so no
-- service can read another's tables. Their URLs live in data/compose-secrets/*_database_url.
CREATE DATABASE tracker OWNER jobhunt;
CREATE DATABASE keyword_analyzer OWNER jobhunt;
CREATE DATABASE sheets_sync OWNER jobhunt;
