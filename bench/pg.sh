# Sourced by the benchmarks: a throwaway PostgreSQL cluster in "$work/pg" (run as nobody when
# the script runs as root, since PostgreSQL refuses root). `start_postgres` sets `pg_ctl_cmd`
# (for the caller's cleanup) and `port`; `pg_database NAME` creates a database, prints its URL.
start_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  pg_as=()
  [ "$(id -u)" -eq 0 ] && pg_as=(runuser -u nobody --)
  pg_ctl_cmd=("${pg_as[@]}" "$pg_bin/pg_ctl")
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "${pg_as[@]}" "$pg_bin/initdb" -D "$work/pg" -U postgres -A trust -E UTF8 --locale=C >/dev/null
  "${pg_ctl_cmd[@]}" -D "$work/pg" -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c max_connections=200" \
    -l "$work/pg.log" -w start >/dev/null
}

pg_database() {
  "${pg_as[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$1"
  echo "postgres://postgres@127.0.0.1:$port/$1"
}
