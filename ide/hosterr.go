package ide

import (
	"errors"
	"fmt"
	"syscall"
)

// Policy says what a failed host read or write of a disk image does (qemu's rerror and
// werror).
type Policy int

// Policies for failed host transfers.
const (
	PolicyStop   Policy = iota // stop the machine: the command stays busy, the guest sees nothing
	PolicyReport               // the guest sees the error: ERR with UNC (reads) or ABRT (writes)
	PolicyENOSPC               // stop when the host is out of space (ENOSPC, EDQUOT), report the rest
	PolicyIgnore               // go on as if the transfer had worked
)

// ParsePolicy turns a werror/rerror value (stop, report, enospc, ignore) into a Policy.
func ParsePolicy(s string) (Policy, error) {
	switch s {
	case "stop":
		return PolicyStop, nil
	case "report":
		return PolicyReport, nil
	case "enospc":
		return PolicyENOSPC, nil
	case "ignore":
		return PolicyIgnore, nil
	}
	return 0, fmt.Errorf("%q: want stop, report, enospc or ignore", s)
}

// ErrorPolicies is implemented by a Disk that says what its failed host reads and writes
// do; a Disk without it stops on both.
type ErrorPolicies interface {
	ErrorPolicy() (read, write Policy)
}

// HostError describes a host read or write of a disk image that failed.
type HostError struct {
	Unit    int   // 0 (master) or 1 (slave)
	Write   bool  // a write (or a flush), not a read
	LBA     int64 // the first sector of the failed block
	Sectors int   // sectors in the block (0 for a flush)
	Err     error // what the host said
	Stop    bool  // the policy stops the machine; the command stays busy
}

// hostError applies unit's policy to a failed host transfer of n sectors from d.lba and
// tells the board through HostError. It returns the action taken.
func (c *IDE) hostError(d *drive, write bool, n int, err error) Policy {
	unit := 0
	if d == &c.drive[1] {
		unit = 1
	}
	read, wr := PolicyStop, PolicyStop
	if p, ok := d.disk.(ErrorPolicies); ok {
		read, wr = p.ErrorPolicy()
	}
	pol := read
	if write {
		pol = wr
	}
	if pol == PolicyENOSPC {
		pol = PolicyReport
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
			pol = PolicyStop
		}
	}
	if c.HostError != nil {
		c.HostError(HostError{Unit: unit, Write: write, LBA: d.lba, Sectors: n, Err: err, Stop: pol == PolicyStop})
	}
	if pol == PolicyStop {
		// As a drive whose host has paused it: busy, no interrupt, nothing to transfer.
		d.buf = d.buf[:0]
		d.pos = 0
		d.status = BSY | DRDY | DSC
	}
	return pol
}
