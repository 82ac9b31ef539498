package ide

// drive is one ATA device: its disk, status and the transfer in progress.
type drive struct {
	disk    Disk
	sectors int64 // disk size in sectors

	status, err uint8
	multiple    int // sectors per block for READ/WRITE MULTIPLE; 0 = disabled
	heads, spt  int // CHS translation (INITIALIZE DEVICE PARAMETERS)

	// The PIO transfer in progress.
	buf     []byte // the current block: DRQ while pos < len(buf)
	pos     int
	writing bool
	lba     int64 // next sector to transfer
	left    int   // sectors still to transfer, the current block included
	block   int   // sectors per block for this command
}

// Default CHS geometry, as BIOSes translate disks up to 8 GB.
const (
	defHeads = 16
	defSPT   = 63
)

func newDrive(d Disk) drive {
	return drive{
		disk:     d,
		sectors:  d.Size() / SectorSize,
		status:   DRDY | DSC,
		multiple: MaxMultiple, // as qemu: xv6 with BSIZE > 512 issues READ MULTIPLE unprepared
		heads:    defHeads,
		spt:      defSPT,
		buf:      make([]byte, 0, MaxMultiple*SectorSize),
	}
}

// cylinders returns the number of cylinders under the default geometry.
func (d *drive) cylinders() int {
	c := d.sectors / (defHeads * defSPT)
	if c > 16383 {
		c = 16383
	}
	return int(c)
}

// endTransfer drops any data transfer in progress.
func (d *drive) endTransfer() {
	d.buf = d.buf[:0]
	d.pos = 0
	d.left = 0
	d.status &^= DRQ
}

// command describes one ATA command.
type command struct {
	name string
	run  func(c *IDE, d *drive)
}

// commands is the command set, by opcode; anything else is aborted.
var commands = map[uint8]command{
	0x20: {"READ SECTORS", func(c *IDE, d *drive) { c.startRead(d, 1) }},
	0x21: {"READ SECTORS (no retry)", func(c *IDE, d *drive) { c.startRead(d, 1) }},
	0x30: {"WRITE SECTORS", func(c *IDE, d *drive) { c.startWrite(d, 1) }},
	0x31: {"WRITE SECTORS (no retry)", func(c *IDE, d *drive) { c.startWrite(d, 1) }},
	0xC4: {"READ MULTIPLE", func(c *IDE, d *drive) { c.startRead(d, d.multiple) }},
	0xC5: {"WRITE MULTIPLE", func(c *IDE, d *drive) { c.startWrite(d, d.multiple) }},
	0xC6: {"SET MULTIPLE MODE", (*IDE).setMultiple},
	0xEC: {"IDENTIFY DEVICE", (*IDE).identify},
	0xE7: {"FLUSH CACHE", (*IDE).flush},
	0x91: {"INITIALIZE DEVICE PARAMETERS", (*IDE).initParams},
	0x10: {"RECALIBRATE", (*IDE).done},
	0x40: {"READ VERIFY SECTORS", (*IDE).verify},
	0x70: {"SEEK", (*IDE).done},
	0xE0: {"STANDBY IMMEDIATE", (*IDE).done},
	0xE1: {"IDLE IMMEDIATE", (*IDE).done},
	0xE5: {"CHECK POWER MODE", (*IDE).checkPower},
	0xEF: {"SET FEATURES", (*IDE).done},
}

// command starts command op on drive d.
func (c *IDE) command(d *drive, op uint8) {
	d.endTransfer()
	d.err = 0
	d.status = DRDY | DSC
	c.irqPending = false
	cmd, ok := commands[op]
	if !ok {
		c.abort(d, ABRT)
		return
	}
	cmd.run(c, d)
}

// done completes a command that moves no data.
func (c *IDE) done(d *drive) {
	d.status = DRDY | DSC
	c.interrupt()
}

// abort ends the command with ERR and the given error bits.
func (c *IDE) abort(d *drive, e uint8) {
	d.endTransfer()
	d.err = e
	d.status = DRDY | DSC | ERR
	c.interrupt()
}

// sectorCount returns the task file's count (0 means 256).
func (c *IDE) sectorCount() int {
	if c.count == 0 {
		return 256
	}
	return int(c.count)
}

// address returns the starting sector from the task file (LBA28 or CHS), or -1 for an
// impossible CHS address.
func (c *IDE) address(d *drive) int64 {
	if c.dh&DHLBA != 0 {
		return int64(c.dh&0x0F)<<24 | int64(c.lbaHigh)<<16 | int64(c.lbaMid)<<8 | int64(c.lbaLow)
	}
	cyl := int64(c.lbaHigh)<<8 | int64(c.lbaMid)
	head := int64(c.dh & 0x0F)
	sec := int64(c.lbaLow)
	if sec == 0 || sec > int64(d.spt) || head >= int64(d.heads) {
		return -1
	}
	return (cyl*int64(d.heads)+head)*int64(d.spt) + sec - 1
}

// setAddress writes sector lba back to the task file (LBA mode), as a drive reports
// the last sector transferred or the one in error.
func (c *IDE) setAddress(lba int64) {
	if c.dh&DHLBA == 0 || lba < 0 {
		return
	}
	c.lbaLow, c.lbaMid, c.lbaHigh = uint8(lba), uint8(lba>>8), uint8(lba>>16)
	c.dh = c.dh&0xF0 | uint8(lba>>24)&0x0F
}

// begin sets up a sector transfer of count sectors in blocks of block sectors.
func (c *IDE) begin(d *drive, block int, writing bool) bool {
	if block <= 0 {
		c.abort(d, ABRT) // READ/WRITE MULTIPLE before SET MULTIPLE MODE
		return false
	}
	d.lba = c.address(d)
	d.left = c.sectorCount()
	d.block = block
	d.writing = writing
	return true
}

// blockLen returns the sectors in the next block.
func (d *drive) blockLen() int {
	if d.left < d.block {
		return d.left
	}
	return d.block
}

// inRange reports whether n sectors from d.lba exist.
func (d *drive) inRange(n int) bool {
	return d.lba >= 0 && d.lba+int64(n) <= d.sectors
}

func (c *IDE) startRead(d *drive, block int) {
	if c.begin(d, block, false) {
		c.loadBlock(d)
	}
}

// loadBlock reads the next block from the disk and offers it on the data port.
func (c *IDE) loadBlock(d *drive) {
	n := d.blockLen()
	if !d.inRange(n) {
		c.setAddress(d.lba)
		c.abort(d, IDNF)
		return
	}
	d.buf = d.buf[:n*SectorSize]
	if _, err := d.disk.ReadAt(d.buf, d.lba*SectorSize); err != nil {
		switch c.hostError(d, false, n, err) {
		case PolicyStop:
			return
		case PolicyIgnore:
			clear(d.buf)
		default:
			c.setAddress(d.lba)
			c.abort(d, UNC)
			return
		}
	}
	c.reads += uint64(n)
	d.pos = 0
	d.status = DRDY | DSC | DRQ
	c.interrupt()
}

// blockRead moves on after the guest has read a whole block.
func (c *IDE) blockRead(d *drive) {
	if d.left == 0 { // IDENTIFY data: no sectors behind it
		d.endTransfer()
		return
	}
	n := d.blockLen()
	d.lba += int64(n)
	d.left -= n
	c.setAddress(d.lba - 1)
	if d.left == 0 {
		d.endTransfer()
		c.count = 0
		return
	}
	c.loadBlock(d)
}

func (c *IDE) startWrite(d *drive, block int) {
	if c.begin(d, block, true) {
		c.acceptBlock(d) // the first block is requested without an interrupt
	}
}

// acceptBlock asks the guest for the next block of data.
func (c *IDE) acceptBlock(d *drive) bool {
	n := d.blockLen()
	if !d.inRange(n) {
		c.setAddress(d.lba)
		c.abort(d, IDNF)
		return false
	}
	d.buf = d.buf[:n*SectorSize]
	d.pos = 0
	d.status = DRDY | DSC | DRQ
	return true
}

// blockWritten stores a block the guest has written, then asks for the next one.
func (c *IDE) blockWritten(d *drive) {
	n := d.blockLen()
	if _, err := d.disk.WriteAt(d.buf, d.lba*SectorSize); err != nil {
		switch c.hostError(d, true, n, err) {
		case PolicyStop:
			return
		case PolicyIgnore:
		default:
			c.setAddress(d.lba)
			c.abort(d, ABRT)
			return
		}
	}
	c.writes += uint64(n)
	d.lba += int64(n)
	d.left -= n
	c.setAddress(d.lba - 1)
	if d.left == 0 {
		d.endTransfer()
		c.count = 0
		c.interrupt()
		return
	}
	if c.acceptBlock(d) {
		c.interrupt()
	}
}

// verify checks the sectors exist without transferring them.
func (c *IDE) verify(d *drive) {
	d.lba = c.address(d)
	if !d.inRange(c.sectorCount()) {
		c.abort(d, IDNF)
		return
	}
	c.done(d)
}

func (c *IDE) setMultiple(d *drive) {
	n := int(c.count)
	if n > MaxMultiple || n&(n-1) != 0 {
		c.abort(d, ABRT)
		return
	}
	d.multiple = n
	c.done(d)
}

func (c *IDE) initParams(d *drive) {
	if c.count == 0 {
		c.abort(d, ABRT)
		return
	}
	d.heads = int(c.dh&0x0F) + 1
	d.spt = int(c.count)
	c.done(d)
}

func (c *IDE) checkPower(d *drive) {
	c.count = 0xFF // active or idle
	c.done(d)
}

// syncer is a disk that can flush to stable storage.
type syncer interface{ Sync() error }

func (c *IDE) flush(d *drive) {
	if s, ok := d.disk.(syncer); ok {
		if err := s.Sync(); err != nil {
			switch c.hostError(d, true, 0, err) {
			case PolicyStop:
				return
			case PolicyIgnore:
			default:
				c.abort(d, ABRT)
				return
			}
		}
	}
	c.done(d)
}

// identify offers the 512-byte IDENTIFY DEVICE data.
func (c *IDE) identify(d *drive) {
	d.buf = d.buf[:SectorSize]
	clear(d.buf)
	for _, f := range d.identifyWords() {
		d.buf[2*f.word] = uint8(f.v)
		d.buf[2*f.word+1] = uint8(f.v >> 8)
	}
	putString(d.buf[2*10:2*20], "GEMU0000000000000001")
	putString(d.buf[2*23:2*27], "1.0")
	putString(d.buf[2*27:2*47], "GEMU HARDDISK")
	d.pos = 0
	d.writing = false
	d.left = 0
	d.status = DRDY | DSC | DRQ
	c.interrupt()
}

// idWord is one word of IDENTIFY DEVICE data.
type idWord struct {
	word int
	v    uint16
}

// identifyWords lists the non-zero, non-string IDENTIFY DEVICE words.
func (d *drive) identifyWords() []idWord {
	total := d.sectors
	if total > 0x0FFFFFFF {
		total = 0x0FFFFFFF
	}
	chs := int64(d.cylinders()) * defHeads * defSPT
	mult := uint16(0)
	if d.multiple > 0 {
		mult = 0x100 | uint16(d.multiple)
	}
	return []idWord{
		{0, 0x0040}, // fixed disk
		{1, uint16(d.cylinders())},
		{3, defHeads},
		{6, defSPT},
		{47, 0x8000 | MaxMultiple},
		{49, 0x0200}, // LBA supported
		{51, 0x0200}, // PIO mode 2 timing
		{53, 0x0001}, // words 54-58 valid
		{54, uint16(d.cylinders())},
		{55, uint16(d.heads)},
		{56, uint16(d.spt)},
		{57, uint16(chs)},
		{58, uint16(chs >> 16)},
		{59, mult},
		{60, uint16(total)},
		{61, uint16(total >> 16)},
		{80, 0x007E}, // ATA-1 to ATA-6
		{82, 0x4000},
		{83, 0x5000}, // FLUSH CACHE supported
		{84, 0x4000},
		{86, 0x1000},
		{87, 0x4000},
	}
}

// putString stores s space-padded in ATA string order (two characters per word, the
// first in the high byte).
func putString(dst []byte, s string) {
	for i := range dst {
		c := byte(' ')
		if i < len(s) {
			c = s[i]
		}
		dst[i^1] = c
	}
}
