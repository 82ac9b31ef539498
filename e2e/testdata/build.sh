#!/bin/sh
# Rebuilds the e2e test boot sector attrs.img from attrs.S (GNU as and ld, i386).
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
as --32 -o "$tmp/attrs.o" attrs.S
ld -m elf_i386 -Ttext 0x7c00 -e start --oformat binary -o attrs.img "$tmp/attrs.o"
rm -rf "$tmp"
