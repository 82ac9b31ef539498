// Package pic emulates the PC's cascaded pair of Intel 8259A programmable interrupt
// controllers (master at 0x20/0x21, slave at 0xA0/0xA1 on the master's IRQ 2) and the
// edge/level control registers (ELCR) at 0x4D0/0x4D1.
package pic

// Port addresses of the pair.
const (
	MasterCmd  = 0x20  // master ICW1, OCW2, OCW3 / IRR, ISR, poll
	MasterData = 0x21  // master ICW2-4, OCW1 (IMR)
	SlaveCmd   = 0xA0  // slave ICW1, OCW2, OCW3 / IRR, ISR, poll
	SlaveData  = 0xA1  // slave ICW2-4, OCW1 (IMR)
	ELCR1      = 0x4D0 // edge/level control, IRQ 0-7
	ELCR2      = 0x4D1 // edge/level control, IRQ 8-15
)

// Command word bits.
const (
	ICW1Init   = 0x10 // with A0=0: ICW1
	ICW1IC4    = 0x01 // ICW4 follows
	ICW1Single = 0x02 // no cascade, no ICW3
	ICW1LTIM   = 0x08 // all inputs level-triggered
	ICW4AEOI   = 0x02 // automatic EOI
	ICW4SFNM   = 0x10 // special fully nested mode
	OCW3       = 0x08 // with A0=0 and bit 4 clear: OCW3 (else OCW2)
	OCW3Poll   = 0x04
	OCW3RR     = 0x02 // read register command follows in RIS
	OCW3RIS    = 0x01 // read ISR (else IRR)
	OCW3ESMM   = 0x40 // special mask mode command follows in SMM
	OCW3SMM    = 0x20
	OCW2R      = 0x80 // rotate
	OCW2SL     = 0x40 // specific level
	OCW2EOI    = 0x20
)

// cascadeIRQ is the master input the slave's INTR drives.
const cascadeIRQ = 2

// elcrMask holds the inputs whose trigger mode ELCR may set (IRQ 0, 1, 2, 8, 13 are edge).
var elcrMask = [2]uint8{0xF8, 0xDE}

// PIC is the master/slave 8259A pair.
type PIC struct {
	chip [2]chip // 0 master, 1 slave
}

// chip is one 8259A.
type chip struct {
	irr, isr, imr uint8
	elcr          uint8
	line          uint8 // current input levels
	base          uint8 // vector of IR0 (ICW2 & 0xF8)
	icw3          uint8
	step          int  // next ICW expected on the data port: 2, 3, 4 or 0 (done)
	ic4           bool // ICW4 expected
	single        bool
	ltim          bool
	aeoi          bool
	rotateAEOI    bool
	sfnm          bool
	smm           bool // special mask mode
	readISR       bool
	poll          bool
	lowest        uint8 // the lowest-priority input (priority rotates after it)
}

// New returns a pair in its power-on state: every input masked (no BIOS has set the
// chips up; initialisation clears the masks), IR0 highest priority, vectors 0x08 and 0x70.
func New() *PIC {
	p := &PIC{}
	for i := range p.chip {
		p.chip[i].lowest = 7
		p.chip[i].imr = 0xFF
	}
	p.chip[0].base = 0x08
	p.chip[1].base = 0x70
	p.chip[0].icw3 = 1 << cascadeIRQ
	p.chip[1].icw3 = cascadeIRQ
	return p
}

// levelMask returns the inputs currently level-triggered.
func (c *chip) levelMask() uint8 {
	if c.ltim {
		return 0xFF
	}
	return c.elcr
}

// setLine drives input i; an edge input latches IRR on a rising edge, a level input
// follows the line.
func (c *chip) setLine(i int, level bool) {
	bit := uint8(1) << i
	rising := level && c.line&bit == 0
	if level {
		c.line |= bit
	} else {
		c.line &^= bit
	}
	switch {
	case c.levelMask()&bit != 0:
		c.irr = c.irr&^bit | c.line&bit
	case rising:
		c.irr |= bit
	}
}

// prio returns input irq's priority rank (0 = highest) under the current rotation.
func (c *chip) prio(irq int) int {
	return (irq - int(c.lowest) - 1) & 7
}

// best returns the highest-priority input set in mask, or -1.
func (c *chip) best(mask uint8) int {
	if mask == 0 {
		return -1
	}
	for r := 0; r < 8; r++ {
		irq := (int(c.lowest) + 1 + r) & 7
		if mask&(1<<irq) != 0 {
			return irq
		}
	}
	return -1
}

// request returns the input the chip would interrupt for now, or -1. extra ORs in
// requests from a cascaded slave.
func (c *chip) request(extra uint8) int {
	req := c.best((c.irr | extra) &^ c.imr)
	if req < 0 {
		return -1
	}
	isr := c.isr
	if c.smm {
		isr &^= c.imr
	}
	if c.sfnm && req == cascadeIRQ {
		isr &^= 1 << cascadeIRQ // a slave in service does not block its higher requests
	}
	if in := c.best(isr); in >= 0 && c.prio(in) <= c.prio(req) {
		return -1
	}
	return req
}

// ack runs an INTA on this chip for input irq: ISR set (unless auto-EOI), edge IRR cleared.
func (c *chip) ack(irq int) {
	bit := uint8(1) << irq
	if c.levelMask()&bit == 0 {
		c.irr &^= bit
	}
	if c.aeoi {
		if c.rotateAEOI {
			c.lowest = uint8(irq)
		}
		return
	}
	c.isr |= bit
}

// eoi handles an OCW2 command.
func (c *chip) eoi(v uint8) {
	level := int(v & 7)
	switch v & (OCW2R | OCW2SL | OCW2EOI) {
	case OCW2EOI: // non-specific
		if in := c.best(c.isr); in >= 0 {
			c.isr &^= 1 << in
		}
	case OCW2SL | OCW2EOI: // specific
		c.isr &^= 1 << level
	case OCW2R | OCW2EOI: // rotate on non-specific
		if in := c.best(c.isr); in >= 0 {
			c.isr &^= 1 << in
			c.lowest = uint8(in)
		}
	case OCW2R | OCW2SL | OCW2EOI: // rotate on specific
		c.isr &^= 1 << level
		c.lowest = uint8(level)
	case OCW2R: // rotate in auto-EOI mode: set
		c.rotateAEOI = true
	case 0: // rotate in auto-EOI mode: clear
		c.rotateAEOI = false
	case OCW2R | OCW2SL: // set priority
		c.lowest = uint8(level)
	}
}

// writeCmd handles a write to the command port (ICW1, OCW2, OCW3).
func (c *chip) writeCmd(v uint8) {
	switch {
	case v&ICW1Init != 0:
		c.imr, c.isr = 0, 0
		c.lowest = 7
		c.smm, c.readISR, c.poll, c.rotateAEOI = false, false, false, false
		c.aeoi, c.sfnm = false, false
		c.ic4 = v&ICW1IC4 != 0
		c.single = v&ICW1Single != 0
		c.ltim = v&ICW1LTIM != 0
		c.irr = c.line & c.levelMask() // the edge latches are reset
		c.step = 2
	case v&OCW3 != 0:
		if v&OCW3ESMM != 0 {
			c.smm = v&OCW3SMM != 0
		}
		if v&OCW3RR != 0 {
			c.readISR = v&OCW3RIS != 0
		}
		c.poll = v&OCW3Poll != 0
	default:
		c.eoi(v)
	}
}

// writeData handles a write to the data port (ICW2-4 during init, else OCW1).
func (c *chip) writeData(v uint8) {
	switch c.step {
	case 2:
		c.base = v & 0xF8
		switch {
		case !c.single:
			c.step = 3
		case c.ic4:
			c.step = 4
		default:
			c.step = 0
		}
	case 3:
		c.icw3 = v
		c.step = 0
		if c.ic4 {
			c.step = 4
		}
	case 4:
		c.aeoi = v&ICW4AEOI != 0
		c.sfnm = v&ICW4SFNM != 0
		c.step = 0
	default:
		c.imr = v
	}
}

// cascaded reports whether the slave hangs off the master's IR2.
func (p *PIC) cascaded() bool { return !p.chip[0].single }

// slaveINTR returns the slave's request as an input to master IR2.
func (p *PIC) slaveINTR() uint8 {
	if p.cascaded() && p.chip[1].request(0) >= 0 {
		return 1 << cascadeIRQ
	}
	return 0
}

// In reads a PIC port (IRR, ISR or poll from a command port, IMR from a data port, ELCR).
func (p *PIC) In(port uint16, size int) uint32 {
	switch port {
	case MasterCmd, SlaveCmd:
		n := int(port>>7) & 1
		c := &p.chip[n]
		if c.poll {
			c.poll = false
			return uint32(p.pollChip(n))
		}
		if c.readISR {
			return uint32(c.isr)
		}
		if n == 0 {
			return uint32(c.irr | p.slaveINTR())
		}
		return uint32(c.irr)
	case MasterData, SlaveData:
		return uint32(p.chip[(port>>7)&1].imr)
	case ELCR1, ELCR2:
		return uint32(p.chip[port-ELCR1].elcr)
	}
	return 0xFF
}

// pollChip answers a poll command: 0x80|level with the request acknowledged, or 0.
func (p *PIC) pollChip(n int) uint8 {
	c := &p.chip[n]
	extra := uint8(0)
	if n == 0 {
		extra = p.slaveINTR()
	}
	irq := c.request(extra)
	if irq < 0 {
		return 0
	}
	c.ack(irq)
	return 0x80 | uint8(irq)
}

// Out writes a PIC port: ICW1-4, OCW1-3 or ELCR.
func (p *PIC) Out(port uint16, size int, v uint32) {
	b := uint8(v)
	switch port {
	case MasterCmd, SlaveCmd:
		p.chip[(port>>7)&1].writeCmd(b)
	case MasterData, SlaveData:
		p.chip[(port>>7)&1].writeData(b)
	case ELCR1, ELCR2:
		c := &p.chip[port-ELCR1]
		c.elcr = b & elcrMask[port-ELCR1]
		c.irr = c.irr&^c.elcr | c.line&c.elcr
	}
}

// SetIRQ drives input line irq (0-15) to level; edge-triggered inputs latch on a rising
// edge, level-triggered ones (ELCR or LTIM) request while the line is high.
func (p *PIC) SetIRQ(irq int, level bool) {
	if irq < 0 || irq > 15 {
		return
	}
	p.chip[irq>>3].setLine(irq&7, level)
}

// Pending reports the master's INTR output.
func (p *PIC) Pending() bool {
	return p.chip[0].request(p.slaveINTR()) >= 0
}

// Ack runs the INTA cycle and returns the vector. With nothing left to deliver (the
// request went away) it returns the spurious IR7 vector of the chip asked, as the
// hardware does, without setting ISR.
func (p *PIC) Ack() uint8 {
	m := &p.chip[0]
	irq := m.request(p.slaveINTR())
	if irq < 0 {
		return m.base | 7
	}
	m.ack(irq)
	if irq != cascadeIRQ || !p.cascaded() {
		return m.base | uint8(irq)
	}
	s := &p.chip[1]
	sirq := s.request(0)
	if sirq < 0 {
		return s.base | 7
	}
	s.ack(sirq)
	return s.base | uint8(sirq)
}
