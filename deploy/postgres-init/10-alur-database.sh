#!/bin/sh
# Runs once, when the postgres image initialises an empty data volume (docker-entrypoint-initdb.d).
# Temporal's server owns the superuser role and creates its own databases (temporal,
# temporal_visibility) through auto-setup; Alur gets its own role and database here.
# A shell script rather than plain SQL so the password comes from the environment, not the repo.
set -eu

: "${POSTGRES_ALUR_PASSWORD:?POSTGRES_ALUR_PASSWORD must be set}"
ALUR_DB_USER="${POSTGRES_ALUR_USER:-alur}"
ALUR_DB_NAME="${POSTGRES_ALUR_DB:-alur}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v alur_user="$ALUR_DB_USER" \
    -v alur_db="$ALUR_DB_NAME" \
    -v alur_password="$POSTGRES_ALUR_PASSWORD" <<'SQL'
CREATE ROLE :"alur_user" LOGIN PASSWORD :'alur_password';
CREATE DATABASE :"alur_db" OWNER :"alur_user" ENCODING 'UTF8';
REVOKE ALL ON DATABASE :"alur_db" FROM PUBLIC;
SQL
