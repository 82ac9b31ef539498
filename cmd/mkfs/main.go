// Command mkfs builds an xv6 file-system image: mkfs fs.img files...
//
// Each file goes into the root directory under its base name, with a
// leading "_" removed (user/_ls becomes /ls). The layout is xv6's
// (1000 blocks, 200 inodes, 30 log blocks unless flags say otherwise) and
// the same inputs always give the same bytes.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gemu/xv6fs"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mkfs:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("mkfs", flag.ContinueOnError)
	size := fs.Uint("size", xv6fs.DefaultSize, "image size in blocks (param.h FSSIZE)")
	ninodes := fs.Uint("ninodes", xv6fs.DefaultNInodes, "number of inodes")
	nlog := fs.Uint("nlog", xv6fs.DefaultNLog, "log blocks (param.h LOGSIZE)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: mkfs [flags] fs.img files...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return fmt.Errorf("no image named")
	}
	img, err := Build(uint32(*size), uint32(*ninodes), uint32(*nlog), fs.Args()[1:])
	if err != nil {
		return err
	}
	return img.Save(fs.Arg(0))
}

// Name returns the name a file gets in the image: its base name without a leading "_".
func Name(path string) string {
	return strings.TrimPrefix(filepath.Base(path), "_")
}

// Build makes an image holding the given files in its root directory.
func Build(size, ninodes, nlog uint32, files []string) (*xv6fs.Image, error) {
	img, err := xv6fs.Create(size, ninodes, nlog)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]string)
	for _, f := range files {
		name := Name(f)
		if prev, ok := seen[name]; ok {
			return nil, fmt.Errorf("%s and %s both become /%s", prev, f, name)
		}
		seen[name] = f
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := img.WriteFile("/"+name, data); err != nil {
			return nil, fmt.Errorf("adding %s: %w", f, err)
		}
	}
	return img, nil
}
