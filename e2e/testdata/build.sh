#!/bin/sh
# Rebuilds the e2e test boot sectors attrs.img and panic.img from their sources (GNU as and
# ld, i386).
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
for b in attrs panic; do
	as --32 -o "$tmp/$b.o" $b.S
	ld -m elf_i386 -Ttext 0x7c00 -e start --oformat binary -o $b.img "$tmp/$b.o"
done
rm -rf "$tmp"
