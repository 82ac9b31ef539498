#!/bin/sh
# Rebuilds the test images from their sources (GNU as and ld, i386):
# boot sectors (*.S but the ones below) linked at 0x7C00, the multiboot ELF kernel
# mb.elf and a.out-kludge kernel aout.bin at 1 MB, and the 64 KB ROM rom.bin.
set -e
cd "$(dirname "$0")"
t=$(mktemp -d)
for s in *.S; do
	b=${s%.S}
	as --32 -o $t/$b.o $s
	case $b in
	mb) ld -m elf_i386 -Ttext 0x100000 -e start -o mb.elf $t/mb.o ;;
	aout) ld -m elf_i386 -Ttext 0x100000 -e start --oformat binary -o aout.bin $t/aout.o ;;
	rom) ld -m elf_i386 -Ttext 0 -e start --oformat binary -o rom.bin $t/rom.o ;;
	*) ld -m elf_i386 -Ttext 0x7c00 -e start --oformat binary -o $b.bin $t/$b.o ;;
	esac
done
rm -rf $t
