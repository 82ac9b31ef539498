// Package pic emulates the PC's cascaded pair of Intel 8259A programmable interrupt
// controllers (master at 0x20/0x21, slave at 0xA0/0xA1 on the master's IRQ 2) and the
// edge/level control registers (ELCR) at 0x4D0/0x4D1.
package pic

// Port addresses of the pair.
const (
	MasterCmd  = 0x20  // master ICW1, OCW2, OCW3 / IRR, ISR
	MasterData = 0x21  // master ICW2-4, OCW1 (IMR)
	SlaveCmd   = 0xA0  // slave ICW1, OCW2, OCW3 / IRR, ISR
	SlaveData  = 0xA1  // slave ICW2-4, OCW1 (IMR)
	ELCR1      = 0x4D0 // edge/level control, IRQ 0-7
	ELCR2      = 0x4D1 // edge/level control, IRQ 8-15
)

// PIC is the master/slave 8259A pair.
type PIC struct {
	chip [2]chip // 0 master, 1 slave
}

// chip is one 8259A.
type chip struct {
	irr, isr, imr uint8
	elcr          uint8
	line          uint8 // current input levels
	vectorBase    uint8 // ICW2 & 0xF8
}

// New returns a pair in its power-on state: all lines masked off until initialised.
func New() *PIC {
	return &PIC{}
}

// In reads a PIC port (IRR, ISR or poll from a command port, IMR from a data port, ELCR).
func (p *PIC) In(port uint16, size int) uint32 { return 0 }

// Out writes a PIC port: ICW1-4, OCW1-3 or ELCR.
func (p *PIC) Out(port uint16, size int, v uint32) {}

// SetIRQ drives input line irq (0-15) to level; edge-triggered inputs latch on a rising edge.
func (p *PIC) SetIRQ(irq int, level bool) {}

// Pending reports the master's INTR output: an unmasked request outranks every
// in-service interrupt.
func (p *PIC) Pending() bool { return false }

// Ack runs the INTA cycle and returns the vector; with nothing left to deliver it
// returns the spurious IRQ 7 (or 15 on the slave) vector as the hardware does.
func (p *PIC) Ack() uint8 { return 0 }
