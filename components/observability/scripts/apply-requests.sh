#!/usr/bin/env bash
# Sends each request of plan.tsv (method, path, body file) to BASE_URL in order and stops at the first
# non-2xx answer. Every request in a plan is an upsert, so running the Job again changes nothing.
set -euo pipefail

# The credentials are a curl config file (`user = "name:password"`) from a mounted Secret (CURL_CONFIG_FILE):
# curl reads them itself, so the password is never in the environment nor in curl's argv, which every process
# on the node can read (ps, /proc/PID/cmdline).
curl_args=(--config "${CURL_CONFIG_FILE}" --silent --show-error --cacert "${CA_FILE}"
  --header "Content-Type: application/json" --header "kbn-xsrf: blueprint-setup")

until curl "${curl_args[@]}" --fail --output /dev/null "${BASE_URL}${READY_PATH}"; do
  echo "waiting for ${BASE_URL}${READY_PATH}"
  sleep 5
done

while IFS=$'\t' read -r method path body; do
  status=$(curl "${curl_args[@]}" --request "${method}" --data-binary "@${REQUESTS_DIR}/${body}" \
    --output /tmp/response --write-out '%{http_code}' "${BASE_URL}${path}")
  if [[ "${status}" != 2* ]]; then
    echo "${method} ${path}: HTTP ${status}: $(cat /tmp/response)" >&2
    exit 1
  fi
  echo "${method} ${path}: HTTP ${status}"
done < "${REQUESTS_DIR}/plan.tsv"
