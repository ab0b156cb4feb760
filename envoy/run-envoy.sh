#!/usr/bin/env sh
# Starts Envoy as an llm-xds sidecar: fills envoy/bootstrap.yaml from the environment, then execs
# envoy with any extra arguments.
#   LLMXDS_HOST (127.0.0.1)  LLMXDS_PORT (18000)      where llm-xds serves ADS
#   ENVOY_NODE_ID (hostname) ENVOY_CLUSTER (llm-xds-sidecar)
#   ENVOY_REGION, ENVOY_ZONE (empty: a flat, zone-unaware view)
#   ENVOY_ADMIN_ADDRESS (127.0.0.1)                     admin on port 9901
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${LLMXDS_HOST:=127.0.0.1}" "${LLMXDS_PORT:=18000}"
: "${ENVOY_NODE_ID:=$(hostname)}" "${ENVOY_CLUSTER:=llm-xds-sidecar}"
: "${ENVOY_REGION:=}" "${ENVOY_ZONE:=}" "${ENVOY_ADMIN_ADDRESS:=127.0.0.1}"
out=$(mktemp -t envoy-llm-xds.XXXXXX.yaml)
sed -e "s|\${LLMXDS_HOST}|$LLMXDS_HOST|g" -e "s|\${LLMXDS_PORT}|$LLMXDS_PORT|g" \
    -e "s|\${ENVOY_NODE_ID}|$ENVOY_NODE_ID|g" -e "s|\${ENVOY_CLUSTER}|$ENVOY_CLUSTER|g" \
    -e "s|\${ENVOY_REGION}|\"$ENVOY_REGION\"|g" -e "s|\${ENVOY_ZONE}|\"$ENVOY_ZONE\"|g" \
    -e "s|\${ENVOY_ADMIN_ADDRESS}|$ENVOY_ADMIN_ADDRESS|g" \
    "$here/bootstrap.yaml" > "$out"
exec envoy -c "$out" "$@"
