package symbols

import "testing"

// What the external tests (package symbols_test, which may import the
// machine) use from the package and its internal tests.

// BootKernel is one of the kernels the table-driven tests run on, for the
// external tests: its name, how to build it, and its boot and file system
// images relative to the kernel ELF.
type BootKernel struct {
	Name      string
	Build     func(*testing.T) string
	Image, FS string
}

// BootKernels lists kernels as BootKernel.
func BootKernels() []BootKernel {
	var ks []BootKernel
	for _, k := range kernels {
		ks = append(ks, BootKernel{k.name, k.build, k.image, k.fs})
	}
	return ks
}

// OpenBootKernel builds and opens one kernel, for the external tests.
var OpenBootKernel = openKernel

// ShortStackRet is shortStack, for the external tests.
func (t *Table) ShortStackRet(pcs []uint32, firstRet bool) string { return t.shortStack(pcs, firstRet) }
