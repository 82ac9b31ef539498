package pc

import (
	"errors"
	"fmt"
	"io/fs"

	"gemu/ide"
)

// diskName names disk unit for messages: the image's path when the disk knows it.
func (m *Machine) diskName(unit int) string {
	if n, ok := m.cfg.Disks[unit].(interface{ Name() string }); ok && n.Name() != "" {
		return n.Name()
	}
	return fmt.Sprintf("disk %d", unit)
}

// diskHostError hears of a failed host read or write of a disk image: it goes to the
// guest_errors log whatever the policy, and a policy that stops ends the run with one
// line naming the image, the sector and the host's error (exit status 1). Writes that
// completed before it are already in the image file.
func (m *Machine) diskHostError(e ide.HostError) {
	op := "read"
	if e.Write {
		op = "write"
	}
	where := fmt.Sprintf("sector %d", e.LBA)
	switch {
	case e.Sectors == 0:
		op, where = "flush", "cache"
	case e.Sectors > 1:
		where = fmt.Sprintf("sectors %d-%d", e.LBA, e.LBA+int64(e.Sectors)-1)
	}
	cause := e.Err
	var pe *fs.PathError
	if errors.As(cause, &pe) {
		cause = pe.Err // the path is named already
	}
	name := m.diskName(e.Unit)
	then := "the guest sees an I/O error"
	if e.Stop {
		then = "machine stopped"
	}
	m.logf(true, "ide: disk %d (%s): host %s of %s failed: %v; %s", e.Unit, name, op, where, cause, then)
	if e.Stop {
		m.stop(Result{Reason: DiskError, Status: 1,
			Message: fmt.Sprintf("disk image %s: %s of %s failed: %v", name, op, where, cause)})
	}
}
