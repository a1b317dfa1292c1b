#!/usr/bin/env python3
"""Gathers the communications fuzzer's seeds into one folder, from the repository alone.

    python3 crates/probity-comms/examples/comms_fuzz/gather_seeds.py OUT_DIR

Run from the repository's root (or anywhere: paths are taken from this file's place). OUT_DIR is
emptied of the files this script wrote before (it must hold nothing else) and filled with:

- the ingest tests' mail, chat and M365 fixtures as they are (`tests/fixtures/{mail,chat,m365}`);
- each attachment and OCR fixture (`tests/fixtures/{attach,ocr}`, not the scripts that make them)
  wrapped as a base64 attachment of a message, since the fuzzer reads files as `probity ingest`
  does and attachments are read only inside mail; the content tests' texts as message bodies;
- the shared test data (`../shared/data`): its MIME messages (`mail/eml/**/*.eml`), its M365
  audit records, and from each labelled text set the header and first 60 rows as they are, its
  first 40 texts as the bodies of a device SMS export (a CSV), of a WhatsApp text export and of
  a chat NDJSON file;
- mail-parser's own test messages and maildir files
  (`$CARGO_HOME/registry/src/*/mail-parser-0.11*/resources/`), where that crate is unpacked.

A content met twice (the shared mail holds many of mail-parser's messages) is kept once, under
the first name. Every output is named for where it came from and keeps the extension that decides its format. The
same repository, shared data and mail-parser version give the same files, byte for byte. Files
over 1 MiB are left out by the fuzzer itself.
"""

import base64
import hashlib
import csv
import glob
import io
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared", "data"))
MARK = ".gathered-seeds"

# Extensions the fixture folders hold that are the scripts and notes making them, not inputs.
NOT_INPUTS = (".py", ".sh", ".md")

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".zip": "application/zip",
    ".7z": "application/x-7z-compressed",
    ".tar": "application/x-tar",
    ".gz": "application/gzip",
    ".msg": "application/vnd.ms-outlook",
    ".rtf": "application/rtf",
    ".png": "image/png",
    ".bmp": "image/bmp",
}


def files_under(folder, pattern="**/*"):
    found = [p for p in glob.glob(os.path.join(folder, pattern), recursive=True) if os.path.isfile(p)]
    return sorted(found)


def flat_name(*parts):
    name = "-".join(p for p in parts if p)
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)


def message_with_attachment(file_name, data):
    """A plain message carrying `data` as a base64 attachment named `file_name`."""
    extension = os.path.splitext(file_name)[1].lower()
    content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    body = base64.encodebytes(data).decode("ascii")
    return (
        "From: Alan Smith <alan.smith@force.example>\n"
        "To: Karen Jones <karen.jones@force.example>\n"
        f"Subject: {file_name}\n"
        "Date: Mon, 6 May 2024 10:00:00 +0100\n"
        "Message-ID: <seed@force.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="seed-boundary"\n'
        "\n"
        "--seed-boundary\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        f"Attached: {file_name}\n"
        "--seed-boundary\n"
        f'Content-Type: {content_type}; name="{file_name}"\n'
        f'Content-Disposition: attachment; filename="{file_name}"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n"
        f"{body}"
        "--seed-boundary--\n"
    ).encode("ascii")


def message_with_body(subject, text):
    return (
        "From: Alan Smith <alan.smith@force.example>\n"
        "To: Karen Jones <karen.jones@force.example>\n"
        f"Subject: {subject}\n"
        "Date: Mon, 6 May 2024 10:00:00 +0100\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        f"{text}"
    ).encode("utf-8")


def labelled_texts(path, column, count):
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        texts = []
        for row in reader:
            text = (row.get(column) or "").strip()
            if text:
                texts.append(text)
            if len(texts) >= count:
                break
    return texts


def head_lines(path, rows):
    """The header and first `rows` records of a CSV file, as written (records can span lines)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for index, record in enumerate(reader):
            if index > rows:
                break
            writer.writerow(record)
    return out.getvalue().encode("utf-8")


def device_csv(texts):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Timestamp", "Direction", "From", "To", "Body", "Application"])
    for index, text in enumerate(texts):
        outgoing = index % 2 == 0
        ours, theirs = "07700 900456", "07700 900789"
        writer.writerow(
            [
                f"2024-05-06T10:{index % 60:02d}:00Z",
                "Outgoing" if outgoing else "Incoming",
                ours if outgoing else theirs,
                theirs if outgoing else ours,
                text,
                "SMS" if index % 3 else "WhatsApp",
            ]
        )
    return out.getvalue().encode("utf-8")


def whatsapp_text(texts):
    lines = []
    for index, text in enumerate(texts):
        who = "Alan Smith" if index % 2 == 0 else "Karen Jones"
        lines.append(f"06/05/2024, 10:{index % 60:02d} - {who}: {text}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def chat_ndjson(texts):
    lines = []
    for index, text in enumerate(texts):
        sender, other = ("alan", "karen") if index % 2 == 0 else ("karen", "alan")
        record = {
            "timestamp": f"2024-05-06T10:{index % 60:02d}:00Z",
            "platform": "signal",
            "conversation_id": "c1",
            "sender": sender,
            "recipients": [other],
            "text": text,
        }
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    return ("\n".join(lines) + "\n").encode("utf-8")


def gather():
    """Yields (name, bytes) for every seed."""
    fixtures = os.path.join(ROOT, "crates", "probity-ingest", "tests", "fixtures")
    for kind in ("mail", "chat", "m365"):
        for path in files_under(os.path.join(fixtures, kind)):
            with open(path, "rb") as handle:
                yield flat_name("fixture", kind, os.path.basename(path)), handle.read()
    for kind in ("attach", "ocr"):
        for path in files_under(os.path.join(fixtures, kind)):
            base = os.path.basename(path)
            if base.endswith(NOT_INPUTS):
                continue
            with open(path, "rb") as handle:
                data = handle.read()
            yield flat_name("fixture", kind, base) + ".eml", message_with_attachment(base, data)
    content = os.path.join(ROOT, "crates", "probity-content", "tests", "fixtures")
    for path in files_under(content, "*.txt"):
        base = os.path.basename(path)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        yield flat_name("content", base) + ".eml", message_with_body(base, text)

    if os.path.isdir(SHARED):
        for path in files_under(os.path.join(SHARED, "mail"), "**/*.eml"):
            relative = os.path.relpath(path, os.path.join(SHARED, "mail"))
            with open(path, "rb") as handle:
                yield flat_name("shared", relative.replace(os.sep, "-")), handle.read()
        for path in files_under(os.path.join(SHARED, "m365"), "*.json"):
            with open(path, "rb") as handle:
                yield flat_name("shared-m365", os.path.basename(path)), handle.read()
        text_sets = (
            ("davidson", "davidson/labeled_data.csv", "tweet"),
            ("edos", "edos/edos_train_dev.csv", "text"),
            ("guest", "guest-misogyny/guest_train.csv", "body"),
        )
        for short, relative, column in text_sets:
            path = os.path.join(SHARED, "text", relative)
            if not os.path.isfile(path):
                continue
            yield flat_name("shared-text", short, "head.csv"), head_lines(path, 60)
            texts = labelled_texts(path, column, 40)
            yield flat_name("shared-text", short, "messages.csv"), device_csv(texts)
            yield flat_name("WhatsApp Chat with", short) + ".txt", whatsapp_text(texts)
            yield flat_name("shared-text", short, "chat.ndjson"), chat_ndjson(texts)
    else:
        print(f"no shared data at {SHARED}: its seeds left out", file=sys.stderr)

    cargo_home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    resources = sorted(glob.glob(os.path.join(cargo_home, "registry", "src", "*", "mail-parser-0.11*", "resources")))
    if resources:
        newest = resources[-1]
        for path in files_under(os.path.join(newest, "eml"), "**/*.eml"):
            relative = os.path.relpath(path, os.path.join(newest, "eml"))
            with open(path, "rb") as handle:
                yield flat_name("mail-parser", relative.replace(os.sep, "-")), handle.read()
        for index, path in enumerate(files_under(os.path.join(newest, "maildir"))):
            with open(path, "rb") as handle:
                yield flat_name("mail-parser-maildir", f"{index:02d}.eml"), handle.read()
    else:
        print("mail-parser 0.11 is not unpacked under CARGO_HOME: its seeds left out", file=sys.stderr)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    marker = os.path.join(out, MARK)
    existing = [n for n in os.listdir(out) if n != MARK]
    if existing and not os.path.exists(marker):
        print(f"{out} holds files this script did not write: not touched", file=sys.stderr)
        return 1
    for name in existing:
        os.remove(os.path.join(out, name))
    names = set()
    contents = set()
    total = 0
    for name, data in gather():
        if name in names:
            print(f"two seeds named {name}: the second left out", file=sys.stderr)
            continue
        # The shared mail is mostly mail-parser's own test messages: each content is kept once.
        digest = hashlib.sha256(data).digest()
        if digest in contents:
            continue
        names.add(name)
        contents.add(digest)
        with open(os.path.join(out, name), "wb") as handle:
            handle.write(data)
        total += len(data)
    with open(marker, "w", encoding="utf-8") as handle:
        handle.write("written by crates/probity-comms/examples/comms_fuzz/gather_seeds.py\n")
    print(f"{len(names)} seeds, {total} bytes, in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
