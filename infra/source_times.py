#!/usr/bin/env python3
"""Keeps the modification times cargo judges freshness by across fresh clones that share one
build directory, so each clone rebuilds only what changed.

Cargo judges a path crate fresh by comparing its sources' modification times with its last build.
A fresh clone (every CI run) gives every file the clone's time, so over a kept build directory
every crate of the workspace is rebuilt each time: minutes for the tests, a quarter of an hour
for the arm64 release build.

`record` runs after a complete build: it writes, next to the build output, each tracked file's
content hash and the modification time the build saw. `restore` runs before the next build: a
file whose path and content are recorded gets that time back; any other file keeps its own, newer
than every recorded build, so cargo rebuilds what it feeds. When anything was built in the
directory after the record was written (a build the record did not witness, from another
checkout or with other content), `restore` changes nothing and cargo decides from the clone's
times as it would without this.

usage: source_times.py record|restore <record file> <build directory>
"""

import glob
import hashlib
import os
import subprocess
import sys


def tracked_files():
    listed = subprocess.run(
        ["git", "ls-files", "-z"], check=True, capture_output=True
    ).stdout
    return [name for name in listed.decode().split("\0") if name and os.path.isfile(name)]


def read_record(path):
    record = {}
    try:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                digest, seen_ns, name = line.rstrip("\n").split("\t", 2)
                record[(name, digest)] = int(seen_ns)
    except FileNotFoundError:
        pass
    except ValueError:
        # A record cut short (a run killed while writing): start again from the clone's times.
        record = {}
    return record


def digest_of(name):
    with open(name, "rb") as content:
        return hashlib.sha256(content.read()).hexdigest()


def newest_build_ns(build_dir):
    """The latest time cargo wrote a fingerprint anywhere in the build directory."""
    newest = 0
    # <profile>/.fingerprint, and <target triple>/<profile>/.fingerprint for cross builds.
    profile_dirs = glob.glob(os.path.join(build_dir, "*", ".fingerprint")) + glob.glob(
        os.path.join(build_dir, "*", "*", ".fingerprint")
    )
    for profile_dir in profile_dirs:
        for unit in os.scandir(profile_dir):
            if not unit.is_dir():
                continue
            for entry in os.scandir(unit.path):
                newest = max(newest, entry.stat().st_mtime_ns)
    return newest


def record(record_path, build_dir):
    lines = [
        f"{digest_of(name)}\t{os.stat(name).st_mtime_ns}\t{name}\n" for name in tracked_files()
    ]
    os.makedirs(os.path.dirname(os.path.abspath(record_path)), exist_ok=True)
    partial = record_path + ".partial"
    with open(partial, "w", encoding="utf-8") as out:
        out.writelines(lines)
    # The record's own time stands for the build it witnessed: anything built later is not.
    os.replace(partial, record_path)
    print(f"source times: recorded {len(lines)} files for {build_dir}")


def restore(record_path, build_dir):
    try:
        recorded_at = os.stat(record_path).st_mtime_ns
    except FileNotFoundError:
        print("source times: no record yet; cargo decides from the clone's times")
        return
    if newest_build_ns(build_dir) > recorded_at:
        print("source times: the build directory changed after the record; nothing restored")
        return
    known = read_record(record_path)
    restored = changed = 0
    for name in tracked_files():
        seen_ns = known.get((name, digest_of(name)))
        if seen_ns is None:
            changed += 1
        else:
            os.utime(name, ns=(seen_ns, seen_ns))
            restored += 1
    print(f"source times: {restored} files as last built, {changed} new or changed")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("record", "restore"):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    action, record_path, build_dir = sys.argv[1:]
    (record if action == "record" else restore)(record_path, build_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
