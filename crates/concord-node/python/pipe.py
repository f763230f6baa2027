"""SpiderMonkey's side of the pipe: runs a Concord host script (its path is the one argument) in
PythonMonkey, which embeds SpiderMonkey in CPython. SpiderMonkey there has none of Node's modules,
so this hands the script what crates/concord-node/js/platform.js asks of a runtime: lines read
from stdin and written to stdout, base64, UTF-8, SHA-256 and the versions it runs.
"""

import asyncio
import base64
import hashlib
import os
import pathlib
import sys

import pythonmonkey

# PythonMonkey lends a Python string of 1- or 2-byte characters to SpiderMonkey as an external
# string, kept in a map that the finalization of each one scans whole: once a few thousand lines
# have crossed, a garbage collection takes seconds (quadratic in the strings alive). A string with
# a character outside the Basic Multilingual Plane is copied instead. Every string handed to the
# script ends with this one, which platform.js takes off.
COPIED = "\U0001F4CB"


def copied(text):
    return text + COPIED


def read_line():
    line = sys.stdin.readline()
    if not line:
        # The Rust side closed the pipe: nothing is left to serve.
        os._exit(0)
    return copied(line)


def write_line(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def utf8_decode(data, fatal):
    return copied(bytes(data).decode("utf-8", "strict" if fatal else "replace"))


def spidermonkey_version():
    """The SpiderMonkey release PythonMonkey ships, from its library's name (libmozjs-136a1.so)."""
    found = sorted(pathlib.Path(pythonmonkey.__file__).parent.glob("libmozjs-*.so"))
    return found[0].name[len("libmozjs-") : -len(".so")] if found else "unknown"


PLATFORM = {
    "readLine": read_line,
    "writeLine": write_line,
    "base64": lambda data: copied(base64.b64encode(bytes(data)).decode("ascii")),
    "unbase64": lambda text: bytearray(base64.b64decode(text)),
    "sha256": lambda data: copied(hashlib.sha256(bytes(data)).hexdigest()),
    "utf8Decode": utf8_decode,
    "utf8Encode": lambda text: bytearray(text.encode("utf-8")),
    "versions": {
        "engine": "spidermonkey",
        "engine_version": spidermonkey_version(),
        "runtime": "pythonmonkey",
        "runtime_version": pythonmonkey.__version__,
    },
}


async def main(script):
    pythonmonkey.eval("(platform) => { globalThis.concordPython = platform; }")(PLATFORM)
    pythonmonkey.require(os.path.abspath(script))
    # The request loop is a JavaScript promise that never settles; it ends by os._exit.
    await pythonmonkey.wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
