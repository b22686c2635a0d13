#!/usr/bin/env python3
"""Extracts every ```kotlin block of a Markdown file into one .kt file each,
ready to compile against the generated bindings and stubs/ (see
scripts/bindings-test.sh).

usage: doc_blocks.py <markdown> <out-dir>

Each block becomes <out-dir>/<name>_L<line>.kt in package `docs` with the
imports an app would write. A block of declarations (classes, functions) is
kept as is; a block of statements is wrapped in a function taking the
`context: Context` the docs speak of; a `build.gradle.kts` block runs in the
Gradle DSL stub. Prints the number of blocks and OFFSET (line L of a generated file is line
first + L - OFFSET - 1 of the page); exits 1 when there are none.
"""
import os
import re
import sys

HEADER = """\
@file:Suppress("unused", "UNUSED_VARIABLE", "UNUSED_PARAMETER", "UNUSED_ANONYMOUS_PARAMETER")

package docs

import android.content.Context
import android.net.ConnectivityManager
import android.net.Network
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.Log
import androidx.work.*
import java.io.File
import java.security.KeyStore
import java.util.concurrent.TimeUnit
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.healthsync.agent.*
import org.healthsync.agent.core.*
"""

DECL = re.compile(
    r"^(@|//|/\*|\*|\}|\)|(public |private |internal |open |abstract |data |sealed |enum |inline )*"
    r"(class|interface|object|fun|val|var|typealias)\b)"
)


def blocks(lines):
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```kotlin":
            start = i + 1
            j = start
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            if j == len(lines):
                raise SystemExit(f"unterminated ```kotlin block at line {i + 1}")
            yield start + 1, lines[start:j]  # 1-based line of the block's first line
            i = j
        i += 1


def main():
    md, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    name = re.sub(r"\W", "_", os.path.splitext(os.path.basename(md))[0])
    with open(md, encoding="utf-8") as f:
        lines = f.read().split("\n")
    n = 0
    for first, body in blocks(lines):
        n += 1
        top = [l for l in body if l.strip() and not l[0].isspace()]
        gradle = any("build.gradle.kts" in l for l in body[:2])
        head = HEADER + f"// docs: {md} from line {first}\n"
        # One wrapper line (or an empty one) after the header in every file,
        # so that line L of a file is page line first + L - OFFSET - 1.
        if gradle:
            text = head + "fun GradleScript.docBlock() {\n" + "\n".join(body) + "\n}\n"
        elif all(DECL.match(l) for l in top):
            text = head + "\n" + "\n".join(body) + "\n"
        else:
            text = head + f"fun docBlockL{first}(context: Context) {{\n" + "\n".join(body) + "\n}\n"
        path = os.path.join(out, f"{name}_L{first}.kt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    if n == 0:
        raise SystemExit(f"no ```kotlin block in {md}")
    print(f"{n} {HEADER.count(chr(10)) + 2}")


if __name__ == "__main__":
    main()
