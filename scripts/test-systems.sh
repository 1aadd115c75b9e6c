#!/usr/bin/env bash
# npm run test:systems: installs the real programs (idempotent; seconds when warm), builds the service, runs
# every test/systems/*.systems.ts (one file per program, helpers in test/systems/support/), and prints how long
# the install and the tests took, so cold and warm runs can be compared.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash toolchain/systems/install.sh
bash toolchain/test-tools/install-alertmanager.sh
# items-py's packages (workloads.systems.ts runs its uvicorn from this virtualenv), counted as install time.
bash app/scripts/python-venv.sh examples/items-py/requirements.txt >/dev/null
installed=$SECONDS
npm --prefix app run --silent build
status=0
mocha --no-config --require tsx/cjs --extension ts --timeout 600000 --reporter spec 'test/systems/**/*.systems.ts' || status=$?
echo "test:systems: install $((installed - start)) s, build and tests $((SECONDS - installed)) s, total $((SECONDS - start)) s (exit $status)"
exit "$status"
