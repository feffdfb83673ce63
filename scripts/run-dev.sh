#!/usr/bin/env bash
# `make run`: the web server with a task worker and the scheduler beside it; stopping one stops all.
set -euo pipefail
address="${1:-127.0.0.1:8000}"
python=.venv/bin/python
trap 'trap - EXIT; kill 0' EXIT INT TERM
"$python" manage.py db_worker --no-startup-delay --interval 2 &
"$python" manage.py run_scheduler &
"$python" manage.py runserver "$address"
