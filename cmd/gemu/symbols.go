package main

import (
	"fmt"
	"sync"

	"gemu/symbols"
)

// kernelSyms finds the kernel's symbols for reports (races, a stuck guest), once, when
// first needed: -symbols FILE; else the -kernel ELF; else xv6's kernel ELF beside the
// boot disk image, as its Makefile leaves it; else the kernel inside the boot disk.
type kernelSyms struct {
	file     string // -symbols: an error to read it is the user's to see
	kernel   string // -kernel
	bootDisk string // the boot disk image, as opened (a -snapshot or bundled copy)
	origDisk string // the boot disk image the user named, where xv6's build is
	bootData []byte // the boot disk image in memory (gemu test), when bootDisk is ""

	once sync.Once
	tab  *symbols.Table
	err  error
}

// load returns the symbols, nil when there are none to read. Only a -symbols file that
// cannot be read is an error: the other places are guesses.
func (k *kernelSyms) load() (*symbols.Table, error) {
	if k == nil {
		return nil, nil
	}
	k.once.Do(func() {
		if k.file != "" {
			if k.tab, k.err = symbols.Open(k.file); k.err != nil {
				k.err = fmt.Errorf("-symbols: %w", k.err)
			}
			return
		}
		path := k.kernel
		if path == "" && k.origDisk != "" {
			path, _ = symbols.FindKernel(k.origDisk)
		}
		if path != "" {
			if t, err := symbols.Open(path); err == nil {
				k.tab = t
				return
			}
		}
		switch {
		case k.bootDisk != "":
			k.tab, _ = symbols.ReadBootDisk(k.bootDisk)
		case k.bootData != nil:
			k.tab, _ = symbols.ReadBootImage(k.bootData)
		}
	})
	return k.tab, k.err
}

// get is load for callers that report without symbols when there are none.
func (k *kernelSyms) get() *symbols.Table {
	t, _ := k.load()
	return t
}
