#!/usr/bin/env bash
# `make run`: the web server with a task worker and the scheduler beside it; stopping one stops all.
set -euo pipefail
address="${1:-127.0.0.1:8000}"
# Links in emails point at the address served, unless BASE_URL says otherwise (a proxy, another host name).
export BASE_URL="${BASE_URL:-http://$address}"
python=.venv/bin/python
trap 'trap - EXIT; kill 0' EXIT INT TERM
"$python" manage.py db_worker --no-startup-delay --interval 2 &
"$python" manage.py run_scheduler &
"$python" manage.py runserver "$address"
