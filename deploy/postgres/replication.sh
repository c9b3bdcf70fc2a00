#!/bin/sh
# Lets the replica stream from the primary (compose network only).
echo "host replication hues samenet scram-sha-256" >> "$PGDATA/pg_hba.conf"
