#!/usr/bin/env python3
"""Prints the cross-tenant example's outputs (from `terraform output -json`) as the demo shows them."""
import json
import sys

outputs = json.load(sys.stdin)
what = sys.argv[1]
if what == "states":
    states = outputs["connection_states"]["value"]
    for name, state in states["central_scope_connections"].items():
        print(f"  central tenant, scope connection {name}: {state}")
    print(f"  target tenant, subscription connection: {states['target_subscription']}")
elif what == "members":
    for m in outputs["group_members"]["value"]:
        network = m["network"].split("/")[-1]
        print(f"  {m['name']:28} tenant {m['tenant_id']}  {m['region']:11} {network}")
