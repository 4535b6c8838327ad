#!/usr/bin/env bash
# Builds the container image (Dockerfile) and checks it the way production runs it: NODE_ENV=production,
# Stripe test keys, a read-only root file system with one data volume, a mounted certificate. The
# app talks to the Stripe emulator started on this machine (STRIPE_API_URL); the container shares
# the host's network, so both listen on loopback only. Prints PASS/FAIL per check, exits 1 on any
# FAIL. Run as root with podman: `bash scripts/test-container.sh` (docs/deploy.md, "Container").
#
# - No base image can be pulled here, so when node:20-bookworm-slim is absent a stand-in is built
#   once and kept: Debian bookworm from the configured mirror (debootstrap) plus this machine's
#   Node 20 and npm, laid out as the official image lays them out (/usr/local, user `node`).
# - podman quirks on this kernel (hybrid cgroups): runc instead of crun, and explicit ulimits.
# - `--format docker`: the OCI image format has no HEALTHCHECK, and podman would drop it.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=docker.io/library/node:20-bookworm-slim
IMAGE=localhost/stripe-secure-starter:container-test
STAND_IN_LABEL=org.stripe-secure-starter.base-stand-in
GRACEFUL_STOP_SECONDS=20
started=$SECONDS
failures=0
work=$(mktemp -d /var/tmp/container-test.XXXXXX)
name="stripe-secure-starter-test-$$"
volume="$name-data"
emulator_pid=

log() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - started))"; }
pass() { printf 'PASS  %s\n' "$*"; }
fail() {
  printf 'FAIL  %s\n' "$*"
  failures=$((failures + 1))
}
check() { # check "<description>" <command...>: PASS when the command succeeds.
  local description=$1
  shift
  if "$@"; then pass "$description"; else fail "$description"; fi
}

nofile=$(ulimit -Hn)
[ "$nofile" = unlimited ] && nofile=1048576
# Without systemd, podman logs that it cannot set up the health check's timer: noise here, since
# `podman healthcheck run` runs the check (below).
podman() { command podman --runtime runc "$@" 2> >(grep -v 'unable to get systemd connection' >&2); }
ULIMITS=(--ulimit "nofile=$nofile:$nofile" --ulimit nproc=4096:4096)

cleanup() {
  set +e
  [ -n "$emulator_pid" ] && kill -- "-$emulator_pid" 2>/dev/null
  podman rm --force --time 0 "$name" >/dev/null 2>&1
  podman volume rm --force "$volume" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

for tool in podman node npm curl; do
  command -v "$tool" >/dev/null || {
    echo "test-container: $tool is missing (Debian: apt-get install podman runc)" >&2
    exit 1
  }
done

# --- The base image ------------------------------------------------------------------------------
debian_mirror() {
  # The first Debian URI apt uses here (deb822 .sources or one-line .list), else Debian's own.
  local uri
  uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
    grep -v -e security -e '\[' | sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+//; s/[[:space:]].*//' | grep -m1 '/debian/\?$' || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

build_stand_in() {
  command -v debootstrap >/dev/null || {
    echo "test-container: $BASE_IMAGE is absent and debootstrap is missing: apt-get install debootstrap, or pull the image" >&2
    exit 1
  }
  local root="$work/rootfs" mirror node_prefix
  mirror=$(debian_mirror)
  echo "debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log"
    exit 1
  }
  # As the official image: apt sources for bookworm, its updates and security; no package lists.
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian*}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  # This machine's Node 20 and npm where the official image has them (its headers too, as the
  # release tarball ships them in include/node: node-gyp compiles against them).
  node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules" "$root/usr/local/include"
  cp "$(readlink -f "$(command -v node)")" "$root/usr/local/bin/node"
  cp -a "$node_prefix/lib/node_modules/npm" "$root/usr/local/lib/node_modules/npm"
  cp -a "$node_prefix/include/node" "$root/usr/local/include/node"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  tar -C "$root" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$(node -p 'process.versions.node')" \
    --change "LABEL $STAND_IN_LABEL=true" \
    --change 'CMD ["node"]' - "$BASE_IMAGE" >"$work/import.log" 2>&1 || {
    cat "$work/import.log"
    exit 1
  }
  rm -rf "$root"
  echo "stand-in built: Debian bookworm, Node $(node -p 'process.versions.node'), npm $(npm --version)"
}

log "Base image $BASE_IMAGE"
if podman image exists "$BASE_IMAGE"; then
  if [ "$(podman image inspect --format "{{index .Labels \"$STAND_IN_LABEL\"}}" "$BASE_IMAGE")" = true ]; then
    echo "the local stand-in built by an earlier run (podman rmi $BASE_IMAGE to rebuild it)"
  else
    echo "the real image"
  fi
else
  echo "absent and cannot be pulled here: building a local stand-in (kept for later runs)"
  build_stand_in
fi

# --- The app image -------------------------------------------------------------------------------
log "Building $IMAGE"
build_started=$SECONDS
build_args=(--pull=never --format docker --layers "${ULIMITS[@]}" -t "$IMAGE")
# This machine reaches the npm registry through a TLS-intercepting proxy whose CA Node trusts via
# NODE_EXTRA_CA_CERTS (or npm's cafile): the Dockerfile takes it as the optional extra_ca secret.
extra_ca=${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}
if [ -n "$extra_ca" ] && [ "$extra_ca" != null ] && [ -f "$extra_ca" ]; then
  echo "trusting $extra_ca for the npm registry (build secret extra_ca)"
  build_args+=(--secret "id=extra_ca,src=$extra_ca")
fi
podman build "${build_args[@]}" . >"$work/build.log" 2>&1 || {
  tail -40 "$work/build.log"
  exit 1
}
echo "built in $((SECONDS - build_started)) s; steps taken from the layer cache: $(grep -c -- '--> Using cache' "$work/build.log" || true)"

log "The image holds no dev dependencies, secrets or local state"
# Every package the lockfile marks dev-only: what `npm ci --omit=dev` leaves out (a production
# dependency's own dependencies, such as stripe's @types/node, stay).
node -e 'const lock = require("./package-lock.json");
  for (const [path, entry] of Object.entries(lock.packages)) if (path && entry.dev) console.log(path);' >"$work/dev-only"
leftovers=$(podman run --rm -i "${ULIMITS[@]}" --network none --no-healthcheck --entrypoint sh "$IMAGE" -c '
  for path in .env .certs data/app.sqlite .git; do [ -e "/app/$path" ] && echo "/app/$path"; done
  while read -r package; do [ -e "/app/$package" ] && echo "/app/$package"; done
  for tool in gcc g++ make python3 curl; do command -v "$tool"; done
  true' <"$work/dev-only")
check "no .env, .certs, database, compiler or any of the lockfile's $(wc -l <"$work/dev-only") dev-only packages in the image${leftovers:+: $(echo $leftovers)}" test -z "$leftovers"

# --- Emulator and certificates -------------------------------------------------------------------
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
app_port=$(free_port)
http_port=$(free_port)
while [ "$http_port" = "$app_port" ]; do http_port=$(free_port); done
webhook_secret="whsec_$(node -p 'require("crypto").randomBytes(24).toString("hex")')"
certs="$work/certs"

log "Starting the Stripe emulator on this machine"
# Its own process group (setsid), so the cleanup stops npm, tsx and node together, and only them.
setsid npm run --silent emulator -- --port 0 --origins local --cert-dir "$certs" \
  --webhook-url "https://localhost:$app_port/webhooks/stripe" --webhook-secret "$webhook_secret" >"$work/emulator.log" 2>&1 &
emulator_pid=$!
emulator_url=
for _ in $(seq 1 600); do
  emulator_url=$(grep -oE 'Stripe emulator \(test mode\) at https://localhost:[0-9]+' "$work/emulator.log" | grep -oE 'https://.*' || true)
  [ -n "$emulator_url" ] && break
  kill -0 "$emulator_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$emulator_url" ] || {
  cat "$work/emulator.log"
  echo "test-container: the emulator did not start" >&2
  exit 1
}
echo "emulator at $emulator_url, webhooks to https://localhost:$app_port/webhooks/stripe"

# The app's certificate: the development CA's localhost leaf, which the emulator (the webhook
# sender) trusts. Test mode accepts it; live mode would refuse it (security/certificate-check.ts).
# The same folder at /app/.certs is where the app finds the CA that STRIPE_API_URL's emulator
# uses (server/src/main.ts). A copy the container's `node` user can read, mounted read-only.
app_certs="$work/app-certs"
mkdir -m 755 "$app_certs"
cp "$certs"/dev-ca.pem "$certs"/dev-ca-key.pem "$certs"/localhost.pem "$certs"/localhost-key.pem "$app_certs"/
chmod 644 "$app_certs"/*.pem
ca="$certs/dev-ca.pem"

# --- The container -------------------------------------------------------------------------------
log "Starting the container (production mode, test keys, read-only root file system)"
podman volume create "$volume" >/dev/null
# --read-only-tmpfs=false: podman would otherwise add writable /tmp, /var/tmp and /run, which
# Docker's --read-only does not; only the volume and the /tmp the docs ask for are writable.
# --health-interval=disable: podman would run the HEALTHCHECK from a systemd timer, and there is no
# systemd here; `podman healthcheck run` below runs the image's check as that timer would.
podman run -d --name "$name" "${ULIMITS[@]}" --network host --health-interval=disable \
  --read-only --read-only-tmpfs=false --tmpfs /tmp:size=16m \
  --cap-drop ALL --security-opt no-new-privileges \
  -v "$volume:/app/data" -v "$app_certs:/app/.certs:ro" \
  -e NODE_ENV=production -e PORT="$app_port" -e HTTP_PORT="$http_port" \
  -e STRIPE_SECRET_KEY=sk_test_containertest -e STRIPE_PUBLISHABLE_KEY=pk_test_containertest \
  -e STRIPE_WEBHOOK_SECRET="$webhook_secret" -e STRIPE_API_URL="$emulator_url" \
  -e TLS_CERT_FILE=/app/.certs/localhost.pem -e TLS_KEY_FILE=/app/.certs/localhost-key.pem \
  "$IMAGE" >/dev/null
shop="https://localhost:$app_port"

log "Health check"
healthy=
for _ in $(seq 1 60); do
  if [ "$(podman inspect --format '{{.State.Running}}' "$name")" != true ]; then break; fi
  if podman healthcheck run "$name" >/dev/null 2>&1; then
    healthy=1
    break
  fi
  sleep 1
done
status=$(podman inspect --format '{{.State.Health.Status}}' "$name" 2>/dev/null || true)
check "the image's HEALTHCHECK (node against /healthz over HTTPS) turns healthy: $status" test "$healthy${status}" = 1healthy
if [ -z "$healthy" ]; then
  podman logs "$name" 2>&1 | tail -30
  exit 1
fi

log "Serving the shop over HTTPS"
curl -sS --cacert "$ca" -o "$work/home.html" -D "$work/home.headers" "$shop/"
check "GET / over HTTPS (certificate verified) answers 200" grep -qiE '^HTTP/[0-9.]+ 200' "$work/home.headers"
check "with a Content-Security-Policy (a per-response nonce)" grep -qiE "^content-security-policy: .*'nonce-" "$work/home.headers"
check "with production's two-year HSTS (NODE_ENV=production)" grep -qiE '^strict-transport-security: max-age=63072000' "$work/home.headers"
check "without X-Powered-By" bash -c "! grep -qi '^x-powered-by' '$work/home.headers'"
redirect=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' "http://localhost:$http_port/anything")
check "plain HTTP on HTTP_PORT is redirected to HTTPS: $redirect" test "${redirect%% *}" = 308 -a "${redirect#* }" = "$shop/anything"

log "A purchase and its webhook"
product=$(node -p 'require("./config/catalog.json").products[0].id')
session=$(curl -sS --cacert "$ca" -H 'content-type: application/json' -d "{\"items\":[{\"productId\":\"$product\",\"quantity\":1}]}" "$shop/api/checkout-sessions")
pay_url=$(node -p 'JSON.parse(process.argv[1]).url ?? ""' "$session")
session_id=$(node -p 'new URL(process.argv[1]).pathname.split("/").pop()' "$pay_url" 2>/dev/null || true)
check "POST /api/checkout-sessions ($product) gives a Checkout page on the emulator: $pay_url" test "${pay_url#"$emulator_url"/c/pay/cs_test_}" != "$pay_url"
order() { curl -sS --cacert "$ca" "$shop/api/orders/$session_id"; }
check "the order starts pending: $(order)" bash -c "[[ '$(order)' == *'\"status\":\"pending\"'* ]]"
# What the hosted page's form posts (emulator/src/pages/routes/hosted-page.ts); 303 = paid.
paid=$(curl -sS --cacert "$ca" -o /dev/null -w '%{http_code}' --data-urlencode email=buyer@example.com \
  --data-urlencode 'cardNumber=4242 4242 4242 4242' --data-urlencode 'cardExpiry=12 / 34' --data-urlencode cardCvc=123 \
  --data-urlencode 'billingName=Container Test' --data-urlencode billingPostalCode=10115 "$pay_url")
check "paying with 4242 4242 4242 4242 on the Checkout page succeeds (303 to success_url): $paid" test "$paid" = 303
# The order API would also ask Stripe (api.ts refreshes a pending order), so the webhook is
# proven by the app's own log line for it, awaited before the order is read again.
webhook=
for _ in $(seq 1 100); do
  webhook=$(podman logs "$name" 2>&1 | grep '"msg":"webhook event"' | grep -m1 '"type":"checkout.session.completed"' || true)
  [ -n "$webhook" ] && break
  sleep 0.2
done
check "the emulator's signed checkout.session.completed reached the container: ${webhook:-no such log line}" test -n "$webhook"
final=$(order)
check "the order is paid, with the card's display details: $final" bash -c "[[ '$final' == *'\"status\":\"paid\"'* && '$final' == *'\"last4\":\"4242\"'* ]]"

log "Running as a non-root user"
uids=$(podman exec "$name" sh -c 'id -u; for s in /proc/[0-9]*/status; do sed -n "s/^Uid:[[:space:]]*//p" "$s"; done' | tr -s '[:space:]' ' ')
check "id -u and every process's real/effective/saved/fs uid are not 0: $uids" bash -c "! grep -qw 0 <<<'$uids'"
pid1=$(podman exec "$name" cat /proc/1/cmdline | tr '\0' ' ')
check "PID 1 is the init process: $pid1" bash -c "[[ '$pid1' == '/usr/bin/tini -- '* ]]"

log "Read-only root file system, one writable volume"
check "the container runs with a read-only root file system" test "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$name")" = true
for path in /app/probe /app/dist/probe /usr/local/probe /etc/probe /home/node/probe; do
  check "writing $path fails" bash -c "! podman exec '$name' sh -c 'echo x > $path' 2>/dev/null"
done
check "writing in the data volume /app/data works" podman exec "$name" sh -c 'echo x > /app/data/probe && rm /app/data/probe'
check "the SQLite database is in the volume" podman exec "$name" test -s /app/data/app.sqlite

log "Stopping with SIGTERM"
stop_started=$SECONDS
podman stop --time "$GRACEFUL_STOP_SECONDS" "$name" >/dev/null
stop_seconds=$((SECONDS - stop_started))
exit_code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
podman logs "$name" >"$work/app.log" 2>&1
check "the app exits with 0 after SIGTERM (within ${stop_seconds}s; the stop timeout is ${GRACEFUL_STOP_SECONDS}s)" test "$exit_code" = 0
check "its log shows the graceful shutdown" bash -c "grep -q '\"signal\":\"SIGTERM\".*shutting down' '$work/app.log' && grep -q '\"msg\":\"stopped\"' '$work/app.log'"

log "Done: $failures failure(s) in $((SECONDS - started)) s"
if [ "$failures" -gt 0 ]; then
  echo "--- app log"
  tail -40 "$work/app.log" 2>/dev/null || podman logs "$name" 2>&1 | tail -40
  exit 1
fi
