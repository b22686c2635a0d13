#!/usr/bin/env python3
"""Writes a jar of the JDK's platform classes (from .jmod files) for
ProGuard's -libraryjars, with each class file's version lowered to Java 8.

usage: library_jar.py <out.jar> <module.jmod>...

Debian's ProGuard (6.2) reads class files up to Java 13 and stops at the
JDK 17 modules. For library classes ProGuard only reads names, members and
signatures, which the version field does not change; the program classes
(our Kotlin, kotlin-stdlib, JNA) are not touched.
"""
import io
import struct
import sys
import zipfile


def main():
    out, jmods = sys.argv[1], sys.argv[2:]
    n = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as jar:
        for path in jmods:
            with open(path, "rb") as f:
                data = f.read()
            if data[:4] != b"JM\x01\x00":
                raise SystemExit(f"{path}: not a jmod file")
            with zipfile.ZipFile(io.BytesIO(data[4:])) as jmod:
                for name in jmod.namelist():
                    if not name.startswith("classes/") or not name.endswith(".class"):
                        continue
                    if name.endswith("module-info.class"):
                        continue
                    cls = bytearray(jmod.read(name))
                    if cls[:4] != b"\xca\xfe\xba\xbe":
                        continue
                    cls[4:8] = struct.pack(">HH", 0, 52)
                    jar.writestr(name[len("classes/"):], bytes(cls))
                    n += 1
    print(f"{n} classes")


if __name__ == "__main__":
    main()
