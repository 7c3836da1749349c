#!/usr/bin/env bash
# The seed's whole cross-tenant flow, with real Terraform, against the bundled ARM emulator:
#   1. central tenant: scope connection to a target-tenant subscription   → Pending
#   2. target tenant: network manager connection back to the manager       → Connected
#   3. static members from both tenants in one network group, verified by check blocks
#   4. a second plan shows no changes; destroy leaves nothing behind.
# Needs: `make tools` (Terraform) and release builds (make demo does both).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${AVNM_BIN_DIR:-$root/target/release}"
terraform="${TF_ACC_TERRAFORM_PATH:-$root/.tools/bin/terraform}"
work="$(mktemp -d)"
emulator_pid=""
cleanup() {
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*"; }

step "Starting avnm-arm-emulator (a local Azure Resource Manager with two Entra ID tenants)"
"$bin/avnm-arm-emulator" --ready-file "$work/ready.json" >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!
for _ in $(seq 1 300); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
[ -s "$work/ready.json" ] || { cat "$work/emulator.log"; echo "emulator did not start" >&2; exit 1; }

mkdir "$work/tf"
cp "$root"/examples/cross-tenant/*.tf "$work/tf/"
python3 "$root/scripts/demo_vars.py" "$work/ready.json" >"$work/tf/terraform.tfvars.json"
python3 - "$work/ready.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for name, t in r["tenants"].items():
    print(f"  {name:8} tenant {t['tenant_id']}: {len(t['subscription_ids'])} subscriptions, "
          f"{len(t['virtual_network_ids'])} virtual networks")
print(f"  ARM at {r['resource_manager_endpoint']}")
PY

cat >"$work/terraform.tfrc" <<RC
provider_installation {
  dev_overrides { "avnm/avnm" = "$bin" }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraform.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export SSL_CERT_FILE="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ca_cert_file"])' "$work/ready.json")"
tf() { (cd "$work/tf" && "$terraform" "$@"); }

step "Step 1 (central tenant): network manager + scope connection to the target tenant's subscription"
tf apply -auto-approve -input=false -no-color -target=avnm_scope_connection.to_target 2>&1 | grep -E "Creation complete|Apply complete|Error" | sed -E "s/ \\[id=.*\\]//"
printf '  scope connection state after step 1: %s (the target tenant has not answered yet)\n' "$(tf state show -no-color avnm_scope_connection.to_target | awk -F'"' '/connection_state/ {print $2}')"

step "Steps 2-5: target-tenant connection, static members from both tenants, checks — one terraform apply"
tf apply -auto-approve -input=false -no-color 2>&1 | grep -E "Creation complete|Apply complete|Error|check" | sed -E "s/ \\[id=.*\\]//"

step "Connection states (read back from ARM by data sources)"
tf output -json | python3 "$root/scripts/demo_report.py" states
step "Members of the network group (verified by the example's check blocks)"
tf output -json | python3 "$root/scripts/demo_report.py" members

step "A second terraform plan"
set +e
tf plan -detailed-exitcode -input=false -no-color >"$work/plan.out" 2>&1
code=$?
set -e
grep -E "No changes|Plan:" "$work/plan.out" || true
[ "$code" -eq 0 ] || { cat "$work/plan.out"; echo "expected no changes (exit $code)" >&2; exit 1; }

step "terraform destroy"
tf destroy -auto-approve -input=false -no-color 2>&1 | grep -E "Destroy complete|Error"
python3 - "$work/ready.json" <<'PY'
import json, ssl, sys, urllib.request
ready = json.load(open(sys.argv[1]))
tls = ssl.create_default_context(cafile=ready["ca_cert_file"])
with urllib.request.urlopen(ready["resource_manager_endpoint"] + "_emulator/inventory", context=tls) as r:
    body = json.load(r)
left = body.get("value", body) if isinstance(body, dict) else body
print(f"  the emulator holds {len(left)} resources created through the API")
sys.exit(1 if left else 0)
PY
echo
echo "Demo complete: two tenants connected, members from both verified, no drift, all cleaned up."
