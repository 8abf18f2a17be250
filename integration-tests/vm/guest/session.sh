# Sourced by suite.sh: one structops runtime for the whole VM boot, driven through its standard input (the shell's
# line mode: no prompt, a command's output on stdout, a failure as one "structops COMMAND: ..." line on stderr), and
# the bookkeeping the host reads: /run/out/progress (one line per step, which vm-run watches and times) and
# /run/out/<scenario>.txt (KEY=VALUE results; a value spanning lines is folded onto one).
R=runtime/bin/structops
# The guest's commands each start their own runtime, as they did before the command socket: the scenarios check
# what a fresh runtime sees beside the session's.
export STRUCTOPS_STANDALONE=1
OUT=${OUT:-/run/out}
session_out=$OUT/session.out
session_log=$OUT/session.log
marker=0

step() { # NAME: a new step begins (vm-run names it when the guest stops making progress)
  echo "$(cut -d' ' -f1 /proc/uptime) $1" >> "$OUT/progress"
}

scenario() { # NAME: the results that follow are this scenario's
  scenario=$1
  : > "$OUT/$scenario.txt"
  step "$scenario"
}

result() { # KEY VALUE
  printf '%s=%s\n' "$1" "$(printf '%s' "$2" | tr '\n' ' ')" >> "$OUT/$scenario.txt"
}

start_runtime() { # DEPLOY_DIR: the runtime's shell, deploying from DEPLOY_DIR
  mkfifo "$TMPDIR/session.in"
  STRUCTOPS_DEPLOY_DIR=$1 $R < "$TMPDIR/session.in" > "$session_out" 2> "$session_log" &
  runtime=$!
  exec 3> "$TMPDIR/session.in"
  step "runtime start"
  # vm-run's watchdog counts the JVM's CPU time as progress.
  until pgrep -n -f -- 'io[.]structops[.]launcher[.]Launcher' > "$OUT/worker"; do sleep 0.2; done
  ask "echo started"
}

send() { # COMMAND: hands one line to the runtime, without waiting
  echo "$*" >&3
}

wait_line() { # PATTERN FILE: waits until FILE has a line matching PATTERN (the host's watchdog ends a stuck wait)
  while ! grep -q "$1" "$2" 2>/dev/null; do
    kill -0 "$runtime" 2>/dev/null || { echo "session: the runtime ended while waiting for '$1'" >&2; return 1; }
    sleep 0.2
  done
}

ask() { # COMMAND: runs it in the runtime; its output, on one line, in $answer, the error it printed in $asked_error
  marker=$((marker + 1))
  local log_lines
  log_lines=$(wc -l < "$session_log")
  send "echo MARK-$marker-begin"
  send "$*"
  send "echo MARK-$marker-end"
  wait_line "^MARK-$marker-end\$" "$session_out" || return 1
  answer=$(sed -n "/^MARK-$marker-begin\$/,/^MARK-$marker-end\$/p" "$session_out" | sed '1d;$d' | tr -d '\n')
  asked_error=$(sed -n "$((log_lines + 1)),\$p" "$session_log" | grep '^structops [a-z-]*: ' | tr '\n' ' ')
}

record() { # KEY COMMAND: the command's output as a result, and any error it printed as KEY_error
  ask "$2"
  result "$1" "$answer"
  [ -z "$asked_error" ] || result "${1}_error" "$asked_error"
}

log_mark() { # the session log's length, to read what a scenario logged
  wc -l < "$session_log"
}

logged_since() { # LINE: what the runtime logged after line LINE of its log
  sed -n "$(($1 + 1)),\$p" "$session_log"
}
