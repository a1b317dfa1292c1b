#!/usr/bin/env python3
"""Makes a fuzzer finding's input smaller while it still gives the same finding.

    python3 crates/probity-comms/examples/comms_fuzz/minimise.py COMMS_FUZZ INPUT [OUT] [--match TEXT]

COMMS_FUZZ is the fuzzer's binary (`target/release/examples/comms_fuzz`), INPUT a saved finding's
input (its file name decides how it is read, so OUT keeps it: by default INPUT's folder gets
`min-NAME`). The input is run with `--replay`; a smaller one is kept while the replay still prints
a finding line of the same kind and reason, its numbers set aside (or holding TEXT, with
`--match`). Chunks of lines are deleted first, halving the chunk down to one line, then chunks of
bytes the same way, until a pass deletes nothing. Hang and memory findings depend on the machine's
load: give `--match` a part of the reason that does not.
"""

import os
import re
import subprocess
import sys
import tempfile


def findings(binary, data, name):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, name)
        with open(path, "wb") as handle:
            handle.write(data)
        try:
            result = subprocess.run(
                [binary, "--replay", path], capture_output=True, text=True, errors="replace", timeout=120
            )
        except subprocess.TimeoutExpired:
            return ["timeout: the replay ran past 120 s"]
    lines = [line.strip() for line in result.stdout.splitlines() if line.startswith("  ")]
    if result.returncode not in (0, 1):
        lines.append(f"crash: exit {result.returncode} {result.stderr.strip()[-200:]}")
    return lines


def shape(line):
    return re.sub(r"[0-9]+", "", line)


def split_lines(data):
    return data.splitlines(keepends=True)


def reduce(pieces, still):
    """Deletes chunks of `pieces` while `still(joined)` holds; returns the pieces kept."""
    chunk = max(1, len(pieces) // 2)
    while True:
        deleted = False
        start = 0
        while start < len(pieces):
            trial = pieces[:start] + pieces[start + chunk :]
            if trial and still(b"".join(trial)):
                pieces = trial
                deleted = True
            else:
                start += chunk
        if chunk == 1 and not deleted:
            return pieces
        chunk = max(1, chunk // 2) if not deleted or chunk > 1 else 1


def main():
    args = sys.argv[1:]
    match = None
    if "--match" in args:
        at = args.index("--match")
        match = args[at + 1]
        del args[at : at + 2]
    if len(args) not in (2, 3):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    binary, source = args[0], args[1]
    name = os.path.basename(source)
    out = args[2] if len(args) == 3 else os.path.join(os.path.dirname(source), f"min-{name}")
    with open(source, "rb") as handle:
        data = handle.read()
    first = findings(binary, data, name)
    if match is not None:
        wanted = [line for line in first if match in line]
    else:
        wanted = first[:1]
    if not wanted:
        print(f"no finding to keep: {first}", file=sys.stderr)
        return 1
    target = wanted[0]
    print(f"keeping: {target}")

    def still(candidate):
        got = findings(binary, candidate, name)
        if match is not None:
            kept = any(match in line for line in got)
        else:
            kept = any(shape(line) == shape(target) for line in got)
        if kept:
            # The smallest so far is saved as it is found: a long run can be stopped.
            with open(out, "wb") as handle:
                handle.write(candidate)
        return kept

    pieces = reduce(split_lines(data), still)
    data = b"".join(pieces)
    print(f"{len(data)} bytes after lines")
    pieces = reduce([bytes([b]) for b in data], still) if len(data) <= 4096 else [data]
    data = b"".join(pieces)
    with open(out, "wb") as handle:
        handle.write(data)
    print(f"{len(data)} bytes: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
