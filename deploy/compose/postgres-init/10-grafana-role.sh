#!/usr/bin/env bash
# Runs once, when the postgres service initialises an empty data volume (the image runs every file in
# /docker-entrypoint-initdb.d as POSTGRES_USER against POSTGRES_DB, before it accepts TCP connections).
#
# Creates the read-only BI role and the login role Grafana uses:
#  - chatstream_analytics: NOLOGIN. The analytics migration (run by `chatstream query` / `project` at start-up)
#    also creates it when absent, then grants it USAGE on schema analytics and SELECT on its views, and nothing
#    on the projections' own tables. Creating it here first lets `grafana` be a member from the start.
#  - grafana: LOGIN, member of chatstream_analytics, search_path analytics. Its password is the compose secret
#    grafana-db-password (demo only: deploy/compose/secrets/demo-grafana-db-password); Grafana reads the same
#    file through $__file{…} in deploy/grafana/provisioning/datasources/chatstream.yaml.
#
# On an existing volume this script does not run again: `docker compose down -v` (the projections rebuild from
# Kafka), or run it by hand: docker compose exec postgres bash /docker-entrypoint-initdb.d/10-grafana-role.sh
# (it is idempotent and then sets the password again).
set -euo pipefail

password_file=${GRAFANA_DB_PASSWORD_FILE:-/run/secrets/grafana-db-password}
if [ ! -s "$password_file" ]; then
  echo "10-grafana-role.sh: $password_file is missing or empty (compose secret grafana-db-password)" >&2
  exit 1
fi
password=$(cat "$password_file")

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  -v password="$password" <<'SQL'
-- Both CREATEs only when absent; psql's \gexec runs the statement the SELECT produces (none when it exists).
SELECT 'CREATE ROLE chatstream_analytics NOLOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chatstream_analytics') \gexec
SELECT 'CREATE ROLE grafana LOGIN IN ROLE chatstream_analytics'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'grafana') \gexec
-- A password literal via format('%L'), so a quote in the secret cannot break the statement.
SELECT format('ALTER ROLE grafana WITH LOGIN PASSWORD %L', :'password') \gexec
GRANT chatstream_analytics TO grafana;
ALTER ROLE grafana SET search_path = analytics;
-- Grafana is a reader: no objects of its own in the public schema (PostgreSQL 15 gives PUBLIC no CREATE there).
ALTER ROLE grafana SET default_transaction_read_only = on;
SQL
echo "10-grafana-role.sh: role grafana (member of chatstream_analytics) is ready"
