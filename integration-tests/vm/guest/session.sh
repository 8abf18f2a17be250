# Sourced by the guest scripts that feed one structops shell session from a script: the session's output goes to
# $out, and the script waits for markers it had the session echo.
out=$TMPDIR/session.out
wait_for() { # a marker in the session's output
  for _ in $(seq 900); do grep -q "^g! $1\$\|^$1\$" "$out" 2>/dev/null && return 0; sleep 0.2; done
  echo "timeout=waiting for $1" >&2
  return 1
}
between() { # the session's output between two markers, on one line
  sed -n "/$1/,/$2/p" "$out" | sed '1d;$d' | sed 's/^g! //' | tr -d '\n'
}
