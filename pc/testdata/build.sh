#!/bin/sh
# Rebuilds the test boot sectors from their sources (GNU as and ld, i386).
set -e
cd "$(dirname "$0")"
for s in *.S; do
	b=${s%.S}
	as --32 -o /tmp/$b.o $s
	ld -m elf_i386 -Ttext 0x7c00 -e start --oformat binary -o $b.bin /tmp/$b.o
	rm -f /tmp/$b.o
done
