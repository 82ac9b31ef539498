package ide

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkReadSector measures one xv6-style sector read: command, status poll and
// 128 32-bit data port reads, from a file-backed disk.
func BenchmarkReadSector(b *testing.B) {
	path := filepath.Join(b.TempDir(), "disk.img")
	if err := os.WriteFile(path, make([]byte, 1024*SectorSize), 0o644); err != nil {
		b.Fatal(err)
	}
	d, err := OpenFileDisk(path)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	c := New()
	if err := c.Attach(0, d); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(SectorSize)
	for i := 0; b.Loop(); i++ {
		c.Out(SecCount, 1, 1)
		c.Out(LBALow, 1, uint32(i%1024))
		c.Out(LBAMid, 1, uint32(i%1024)>>8)
		c.Out(LBAHigh, 1, 0)
		c.Out(DriveHead, 1, 0xE0)
		c.Out(Status, 1, 0x20)
		if c.In(Status, 1)&(DRDY|DRQ|ERR) != DRDY|DRQ {
			b.Fatal("not ready")
		}
		for j := 0; j < 128; j++ {
			c.In(Data, 4)
		}
	}
}
