#!/bin/sh
# sign.sh IN OUT: pad a boot sector to 510 bytes and append 0x55 0xAA.
set -e
size=$(wc -c < "$1")
if [ "$size" -gt 510 ]; then
  echo "boot sector too large: $size bytes (max 510)" >&2
  exit 1
fi
cp "$1" "$2"
truncate -s 510 "$2"
printf '\125\252' >> "$2"
echo "boot sector: $size bytes (max 510)"
