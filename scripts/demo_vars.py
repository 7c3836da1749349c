#!/usr/bin/env python3
"""Writes terraform.tfvars.json for examples/cross-tenant from an avnm-arm-emulator ready file.

Usage: demo_vars.py READY_FILE [MEMBERS_PER_TENANT]
The central administrator (`admin`) manages the network manager; `target_admin` creates the
target tenant's side of the connection. Members are virtual networks of the chosen subscriptions.
"""
import json
import sys


def in_subscription(ids, subscription):
    prefix = f"/subscriptions/{subscription}/".lower()
    return [i for i in ids if i.lower().startswith(prefix)]


def main():
    ready = json.load(open(sys.argv[1]))
    per_tenant = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    central, target = ready["tenants"]["central"], ready["tenants"]["target"]
    admin, target_admin = ready["principals"]["admin"], ready["principals"]["target_admin"]
    central_sub, target_sub = central["subscription_ids"][0], target["subscription_ids"][0]
    resource_group = next(
        rg for rg in central["resource_group_ids"] if rg.lower().startswith(f"/subscriptions/{central_sub}/".lower())
    )
    print(json.dumps({
        "metadata_host": ready["metadata_host"],
        "central_tenant_id": central["tenant_id"],
        "central_subscription_id": central_sub,
        "central_client_id": admin["client_id"],
        "central_client_secret": admin["client_secret"],
        "resource_group_name": resource_group.rstrip("/").split("/")[-1],
        "central_virtual_network_ids": in_subscription(central["virtual_network_ids"], central_sub)[:per_tenant],
        "target_tenant_id": target["tenant_id"],
        "target_subscription_id": target_sub,
        "target_client_id": target_admin["client_id"],
        "target_client_secret": target_admin["client_secret"],
        "target_virtual_network_ids": in_subscription(target["virtual_network_ids"], target_sub)[:per_tenant],
    }, indent=2))


if __name__ == "__main__":
    main()
