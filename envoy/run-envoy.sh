#!/usr/bin/env sh
# Starts Envoy as an llm-xds sidecar: fills envoy/bootstrap.yaml (or bootstrap-tls.yaml) from the
# environment, then execs envoy with any extra arguments. `run-envoy.sh --print` prints the filled
# bootstrap instead of starting Envoy.
#   LLMXDS_HOSTS (LLMXDS_HOST, else 127.0.0.1)  llm-xds replicas, comma- or space-separated
#                  host[:port] entries; each host name may resolve to several replicas (a headless
#                  Service, a compose alias): Envoy uses every address it resolves to
#   LLMXDS_PORT (18000)                         port of entries that name none
#   ENVOY_NODE_ID (hostname) ENVOY_CLUSTER (llm-xds-sidecar)
#   ENVOY_REGION, ENVOY_ZONE (empty: a flat, zone-unaware view)
#   ENVOY_ADMIN_ADDRESS (127.0.0.1)             admin on port 9901
# TLS to the xDS port (bootstrap-tls.yaml), when LLMXDS_TLS_CA is set:
#   LLMXDS_TLS_CA                  PEM CA that signed llm-xds's server certificate
#   LLMXDS_TLS_SERVER_NAME         SNI, and the DNS name the server certificate must carry
#                                  (default: the host of the first LLMXDS_HOSTS entry)
#   LLMXDS_TLS_CERT, LLMXDS_TLS_KEY  client certificate and key (both or neither): mTLS
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${LLMXDS_HOSTS:=${LLMXDS_HOST:-127.0.0.1}}" "${LLMXDS_PORT:=18000}"
: "${ENVOY_NODE_ID:=$(hostname)}" "${ENVOY_CLUSTER:=llm-xds-sidecar}"
: "${ENVOY_REGION:=}" "${ENVOY_ZONE:=}" "${ENVOY_ADMIN_ADDRESS:=127.0.0.1}"
: "${LLMXDS_TLS_CA:=}" "${LLMXDS_TLS_CERT:=}" "${LLMXDS_TLS_KEY:=}" "${LLMXDS_TLS_SERVER_NAME:=}"

fail() { echo "run-envoy.sh: $*" >&2; exit 2; }
# escapes a value for the right-hand side of a sed s||| command
esc() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }

endpoints=""
first_host=""
for entry in $(printf '%s' "$LLMXDS_HOSTS" | tr ',' ' '); do
  host=${entry%:*} port=${entry##*:}
  if [ "$host" = "$entry" ]; then port=$LLMXDS_PORT; fi
  case "$host" in *:* | "") fail "LLMXDS_HOSTS entry '$entry' is not host[:port] (use a name, not an IPv6 literal)" ;; esac
  case "$port" in '' | *[!0-9]*) fail "LLMXDS_HOSTS entry '$entry' has no valid port" ;; esac
  : "${first_host:=$host}"
  endpoints="$endpoints{endpoint: {address: {socket_address: {address: \"$host\", port_value: $port}}}}, "
done
[ -n "$endpoints" ] || fail "LLMXDS_HOSTS names no host"
endpoints="[${endpoints%, }]"

template="$here/bootstrap.yaml"
mtls_filter='/# mtls-begin/,/# mtls-end/d'
if [ -n "$LLMXDS_TLS_CA" ]; then
  template="$here/bootstrap-tls.yaml"
  : "${LLMXDS_TLS_SERVER_NAME:=$first_host}"
  if [ -n "$LLMXDS_TLS_CERT" ] && [ -n "$LLMXDS_TLS_KEY" ]; then
    mtls_filter='/# mtls-begin/d;/# mtls-end/d'
  elif [ -n "$LLMXDS_TLS_CERT$LLMXDS_TLS_KEY" ]; then
    fail "set both LLMXDS_TLS_CERT and LLMXDS_TLS_KEY (mTLS) or neither"
  fi
elif [ -n "$LLMXDS_TLS_CERT$LLMXDS_TLS_KEY$LLMXDS_TLS_SERVER_NAME" ]; then
  fail "LLMXDS_TLS_* is set but LLMXDS_TLS_CA is not: TLS needs the CA"
fi

out=$(mktemp -t envoy-llm-xds.XXXXXX.yaml 2>/dev/null || mktemp)
sed -e "$mtls_filter" \
    -e "s|\${LLMXDS_LB_ENDPOINTS}|$(esc "$endpoints")|g" \
    -e "s|\${LLMXDS_TLS_CA}|$(esc "$LLMXDS_TLS_CA")|g" \
    -e "s|\${LLMXDS_TLS_CERT}|$(esc "$LLMXDS_TLS_CERT")|g" \
    -e "s|\${LLMXDS_TLS_KEY}|$(esc "$LLMXDS_TLS_KEY")|g" \
    -e "s|\${LLMXDS_TLS_SERVER_NAME}|$(esc "$LLMXDS_TLS_SERVER_NAME")|g" \
    -e "s|\${ENVOY_NODE_ID}|$(esc "$ENVOY_NODE_ID")|g" \
    -e "s|\${ENVOY_CLUSTER}|$(esc "$ENVOY_CLUSTER")|g" \
    -e "s|\${ENVOY_REGION}|\"$(esc "$ENVOY_REGION")\"|g" \
    -e "s|\${ENVOY_ZONE}|\"$(esc "$ENVOY_ZONE")\"|g" \
    -e "s|\${ENVOY_ADMIN_ADDRESS}|$(esc "$ENVOY_ADMIN_ADDRESS")|g" \
    "$template" > "$out"
if [ "${1:-}" = "--print" ]; then
  cat "$out"
  rm -f "$out"
  exit 0
fi
exec envoy -c "$out" "$@"
