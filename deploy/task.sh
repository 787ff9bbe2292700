#!/bin/sh
# The scheduled commands behind pasar-task@<name>.service (times in pasar-task-<name>.timer).
set -eu
flask="/opt/pasar-mandiri/venv/bin/flask --app marketplace"
case "$1" in
    expire-unpaid) exec $flask orders expire-unpaid ;;   # every 10 minutes
    auto-complete) exec $flask orders auto-complete ;;   # daily
    mail-retry) exec $flask mail retry ;;                # every 15 minutes: what a queue lost
    programme) exec $flask programme refresh ;;          # nightly
    housekeeping) exec $flask housekeeping ;;            # daily: what is past its retention
    daily-counts) exec $flask events daily-counts ;;     # daily after midnight in Jakarta
    *) echo "unknown task: $1" >&2; exit 64 ;;
esac
