# Throwaway PostgreSQL server for the tests. SOURCE this file (from .ci/run), then:
#
#   postgres_start   # installs Debian's postgresql if needed, starts a private cluster on
#                    # 127.0.0.1 and exports AUTOFIT_CSV_POSTGRES_URL
#   ...              # run the tests
#   postgres_stop    # stops the server and deletes its directory (safe if start failed)
#
# The cluster lives in a fresh temporary directory and never touches the system's default
# cluster or service (no pg_ctlcluster, no systemctl). When run as root, the server runs as
# the `postgres` user, because PostgreSQL refuses to run as root.
#
# Optional settings:
#   AUTOFIT_CSV_POSTGRES_PORT   first port to try (default 54329; the next free one is used)
#
# Exported while the server runs:
#   AUTOFIT_CSV_POSTGRES_URL    postgresql+psycopg://postgres@127.0.0.1:PORT/autofit_csv_test
# The server's directory, port and binaries are kept in plain (not exported) shell variables
# _AUTOFIT_CSV_PG_DIR, _AUTOFIT_CSV_PG_PORT, _AUTOFIT_CSV_PG_BIN, so that a child shell
# sourcing this file can never stop the parent's server.
#
# Written to be safe under `set -euo pipefail` in the caller: every failure is checked
# explicitly and reported, and the functions return non-zero instead of relying on errexit.

AUTOFIT_CSV_POSTGRES_DB=autofit_csv_test

_pg_log() { echo "postgres: $*" >&2; }

# Print the bin directory of the newest PostgreSQL under /usr/lib/postgresql (15 preferred).
_pg_find_bindir() {
    local dir best=""
    if [ -x /usr/lib/postgresql/15/bin/pg_ctl ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
        echo /usr/lib/postgresql/15/bin
        return 0
    fi
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then
            best=$dir   # the glob sorts, so the last match is the highest version
        fi
    done
    if [ -n "$best" ]; then
        echo "$best"
        return 0
    fi
    return 1
}

_pg_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo="sudo"
        else
            _pg_log "PostgreSQL is not installed and this is not root (no sudo either)."
            _pg_log "Install it with: apt-get install -y postgresql"
            return 1
        fi
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        _pg_log "PostgreSQL is not installed and apt-get is not available to install it."
        return 1
    fi
    _pg_log "installing Debian's postgresql package"
    if ! $sudo apt-get update -qq; then
        _pg_log "apt-get update failed"
        return 1
    fi
    if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; then
        _pg_log "apt-get install postgresql failed"
        return 1
    fi
    return 0
}

# Run a command as the server's owner: `postgres` when we are root, else ourselves.
# Runs from inside the cluster's directory, so that the postgres user can read its cwd.
_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$_AUTOFIT_CSV_PG_DIR" && runuser -u postgres -- "$@")
    else
        (cd "$_AUTOFIT_CSV_PG_DIR" && "$@")
    fi
}

# True if something accepts TCP connections on 127.0.0.1:$1.
_pg_port_busy() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_pg_server_running() {
    [ -n "${_AUTOFIT_CSV_PG_DIR:-}" ] && [ -n "${_AUTOFIT_CSV_PG_BIN:-}" ] \
        && [ -d "$_AUTOFIT_CSV_PG_DIR/data" ] \
        && _pg_as_owner "$_AUTOFIT_CSV_PG_BIN/pg_ctl" -D "$_AUTOFIT_CSV_PG_DIR/data" status >/dev/null 2>&1
}

postgres_start() {
    local bindir dir port first_port attempt started ready i

    if _pg_server_running; then
        echo "PostgreSQL already running on 127.0.0.1:${_AUTOFIT_CSV_PG_PORT} (data in ${_AUTOFIT_CSV_PG_DIR}); AUTOFIT_CSV_POSTGRES_URL=${AUTOFIT_CSV_POSTGRES_URL}"
        return 0
    fi
    # Leftovers of an earlier failed start.
    postgres_stop >/dev/null 2>&1 || true

    if ! bindir=$(_pg_find_bindir); then
        if ! _pg_install; then
            return 1
        fi
        if ! bindir=$(_pg_find_bindir); then
            _pg_log "installed postgresql, but found no pg_ctl/initdb under /usr/lib/postgresql/*/bin"
            return 1
        fi
    fi
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        _pg_log "running as root but there is no 'postgres' user to run the server as"
        return 1
    fi

    if ! dir=$(mktemp -d /tmp/autofit_csv_postgres.XXXXXX); then
        _pg_log "could not create a temporary directory under /tmp"
        return 1
    fi
    _AUTOFIT_CSV_PG_DIR="$dir"
    _AUTOFIT_CSV_PG_BIN="$bindir"
    if [ "$(id -u)" -eq 0 ] && ! chown postgres: "$dir"; then
        _pg_log "could not give $dir to the postgres user"
        postgres_stop
        return 1
    fi
    chmod 700 "$dir" || true

    if ! _pg_as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust \
            -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
        _pg_log "initdb failed:"
        cat "$dir/initdb.log" >&2 || true
        postgres_stop
        return 1
    fi

    # Start on the first free port from 54329 (or AUTOFIT_CSV_POSTGRES_PORT); retry on the
    # next port if the start fails, in case another process grabbed the port meanwhile.
    first_port=${AUTOFIT_CSV_POSTGRES_PORT:-54329}
    port=$first_port
    started=0
    attempt=0
    while [ "$attempt" -lt 5 ] && [ "$port" -lt $((first_port + 200)) ]; do
        if _pg_port_busy "$port"; then
            port=$((port + 1))
            continue
        fi
        attempt=$((attempt + 1))
        if _pg_as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
                -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" \
                start >"$dir/pg_ctl.log" 2>&1; then
            started=1
            break
        fi
        _pg_log "could not start on port $port, trying the next one"
        port=$((port + 1))
    done
    if [ "$started" -ne 1 ]; then
        _pg_log "failed to start the server; pg_ctl said:"
        cat "$dir/pg_ctl.log" >&2 || true
        _pg_log "server log:"
        tail -n 30 "$dir/server.log" >&2 || true
        postgres_stop
        return 1
    fi
    _AUTOFIT_CSV_PG_PORT="$port"

    ready=0
    for i in $(seq 1 60); do
        if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; then
            ready=1
            break
        fi
        sleep 0.5
    done
    if [ "$ready" -ne 1 ]; then
        _pg_log "server on 127.0.0.1:$port did not become ready; server log:"
        tail -n 30 "$dir/server.log" >&2 || true
        postgres_stop
        return 1
    fi

    if ! "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$AUTOFIT_CSV_POSTGRES_DB"; then
        _pg_log "could not create database $AUTOFIT_CSV_POSTGRES_DB"
        postgres_stop
        return 1
    fi

    export AUTOFIT_CSV_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/$AUTOFIT_CSV_POSTGRES_DB"
    echo "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') running on 127.0.0.1:$port (data in $dir); AUTOFIT_CSV_POSTGRES_URL=$AUTOFIT_CSV_POSTGRES_URL"
    return 0
}

postgres_stop() {
    local dir=${_AUTOFIT_CSV_PG_DIR:-}
    local bindir=${_AUTOFIT_CSV_PG_BIN:-}
    if [ -n "$dir" ] && [ -d "$dir" ]; then
        if [ -n "$bindir" ] && [ -f "$dir/data/postmaster.pid" ]; then
            if ! _pg_as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1; then
                _pg_log "pg_ctl stop failed for $dir/data (removing the directory anyway)"
            fi
        fi
        case "$dir" in
            /tmp/autofit_csv_postgres.*) rm -rf -- "$dir" || _pg_log "could not remove $dir" ;;
            *) _pg_log "not removing unexpected directory $dir" ;;
        esac
    fi
    unset AUTOFIT_CSV_POSTGRES_URL _AUTOFIT_CSV_PG_DIR _AUTOFIT_CSV_PG_BIN _AUTOFIT_CSV_PG_PORT
    return 0
}
