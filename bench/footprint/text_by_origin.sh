#!/usr/bin/env bash
# Where a device program's text comes from. Relinks TARGET of a Ninja build (its own link command,
# into a temporary folder) with a link map, and sums the sections `size` counts as text (code,
# read-only data, unwind and exception tables) by origin: the program's own objects (Drover and
# the example, with the templates and headers they instantiate), the C++ runtime (libstdc++,
# libgcc), the C library and its start files, other archives (pugixml). With --runtime-shared it
# also relinks with the C++ runtime shared, as a C program such as Wakaama's client links libc,
# and prints `size` of that: the figure to compare with theirs.
#
#   bench/footprint/text_by_origin.sh [--runtime-shared] BUILD_DIR TARGET
#   e.g. bench/footprint/text_by_origin.sh --runtime-shared build/device examples/sensor-device/sensor-device
set -euo pipefail
shared=0
if [[ ${1:-} == --runtime-shared ]]; then
  shared=1
  shift
fi
BUILD=${1:?usage: $0 [--runtime-shared] build-dir target}
TARGET=${2:?usage: $0 [--runtime-shared] build-dir target}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

link=$(cd "$BUILD" && ninja -t commands "$TARGET" | tail -n 1)
[[ $link == *" -o $TARGET "* ]] || { echo "no link command for $TARGET in $BUILD" >&2; exit 1; }
(cd "$BUILD" && eval "${link/ -o $TARGET / -o $WORK/program -Wl,-Map,$WORK/program.map }")
size "$WORK/program" | tail -n 1 | awk '{print "size: text " $1 " bytes"}'

python3 - "$WORK/program.map" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
lines = text[text.find("Linker script and memory map"):].splitlines()
counted = (".text", ".rodata", ".eh_frame", ".gcc_except_table", ".init", ".fini", ".plt")
origin = {"own": 0, "C++ runtime": 0, "C library": 0, "other archives": 0}
for i, line in enumerate(lines):
    m = re.match(r"^ (\.\S+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)", line)
    if m:
        section, size, source = m.group(1), int(m.group(2), 16), m.group(3)
    else:  # a long section name puts its address, size and file on the next line
        m = re.match(r"^ (\.\S+)$", line)
        n = re.match(r"^\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)", lines[i + 1]) if m and i + 1 < len(lines) else None
        if not n:
            continue
        section, size, source = m.group(1), int(n.group(1), 16), n.group(2)
    if not section.startswith(counted):
        continue
    if "ltrans" in source or source.endswith(".o") and "/usr/lib" not in source:
        origin["own"] += size
    elif "libstdc++" in source or "libgcc" in source:
        origin["C++ runtime"] += size
    elif re.search(r"/(libc|libm|libpthread|crt[^/]*)[.-]", source) or "libc_nonshared" in source:
        origin["C library"] += size
    else:
        origin["other archives"] += size
for name, size in origin.items():
    print(f"{name}: {size} bytes")
PY

if ((shared)); then
  relinked=${link/ -o $TARGET / -o $WORK/shared }
  relinked=${relinked/-static-libstdc++ -static-libgcc/}
  relinked=${relinked/-Wl,-Bstatic,-lstdc++,-lm,-Bdynamic/-lstdc++}
  [[ $relinked != *" -static "* ]] || { echo "--runtime-shared: $TARGET is linked -static" >&2; exit 1; }
  (cd "$BUILD" && eval "$relinked")
  size "$WORK/shared" | tail -n 1 | awk '{print "size with the C++ runtime shared: text " $1 " bytes"}'
fi
