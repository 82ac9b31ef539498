// Package uart emulates a National Semiconductor 16550A UART (COM1 on the PC).
// Transmission is instant; received bytes wait in an unbounded queue.
package uart

// Register offsets from the base port.
const (
	RBR = 0 // receive buffer (read, DLAB=0)
	THR = 0 // transmit holding (write, DLAB=0)
	DLL = 0 // divisor latch low (DLAB=1)
	IER = 1 // interrupt enable (DLAB=0)
	DLM = 1 // divisor latch high (DLAB=1)
	IIR = 2 // interrupt identification (read)
	FCR = 2 // FIFO control (write)
	LCR = 3 // line control
	MCR = 4 // modem control
	LSR = 5 // line status
	MSR = 6 // modem status
	SCR = 7 // scratch
)

// IER bits.
const (
	IERRDA  = 0x01 // received data available
	IERTHRE = 0x02 // transmitter holding register empty
	IERRLS  = 0x04 // receiver line status
	IERMS   = 0x08 // modem status
)

// IIR values (bits 0-3) and the FIFO-enabled bits.
const (
	IIRNone    = 0x01
	IIRRLS     = 0x06
	IIRRDA     = 0x04
	IIRTimeout = 0x0C
	IIRTHRE    = 0x02
	IIRMS      = 0x00
	IIRFIFO    = 0xC0
)

// FCR bits.
const (
	FCREnable  = 0x01
	FCRClearRx = 0x02
	FCRClearTx = 0x04
)

// LCR, MCR, LSR and MSR bits.
const (
	LCRDLAB  = 0x80
	MCRDTR   = 0x01
	MCRRTS   = 0x02
	MCROUT1  = 0x04
	MCROUT2  = 0x08
	MCRLoop  = 0x10
	LSRDR    = 0x01
	LSRTHRE  = 0x20
	LSRTEMT  = 0x40
	MSRDCTS  = 0x01
	MSRDDSR  = 0x02
	MSRTERI  = 0x04
	MSRDDCD  = 0x08
	MSRCTS   = 0x10
	MSRDSR   = 0x20
	MSRRI    = 0x40
	MSRDCD   = 0x80
	msrLines = MSRCTS | MSRDSR | MSRRI | MSRDCD
)

// fifoTrigger maps FCR bits 6-7 to the receive FIFO trigger level.
var fifoTrigger = [4]int{1, 4, 8, 14}

// UART is one 16550A.
type UART struct {
	// Output receives every transmitted byte. Set by the board; nil drops bytes.
	Output func(b byte)
	// IRQ drives the interrupt line (IRQ 4 for COM1). Set by the board; nil-safe.
	IRQ func(level bool)

	base uint16

	rx       []byte // received bytes not yet read; rx[0] is in RBR
	held     []byte // host bytes received during loopback, delivered after it
	ier, lcr uint8
	mcr, scr uint8
	fcr      uint8
	dll, dlm uint8
	msr      uint8 // line states and delta bits
	threPend bool  // THR-empty interrupt waiting (cleared by IIR read or THR write)
	lastRBR  uint8
	irqLine  bool
}

// New returns a UART whose registers start at port base (0x3F8 for COM1).
func New(base uint16) *UART {
	u := &UART{base: base, dll: 12}
	u.msr = u.lines()
	return u
}

// lines returns the modem input lines: looped back from MCR, else a connected terminal.
func (u *UART) lines() uint8 {
	if u.mcr&MCRLoop == 0 {
		return MSRCTS | MSRDSR | MSRDCD
	}
	var m uint8
	if u.mcr&MCRRTS != 0 {
		m |= MSRCTS
	}
	if u.mcr&MCRDTR != 0 {
		m |= MSRDSR
	}
	if u.mcr&MCROUT1 != 0 {
		m |= MSRRI
	}
	if u.mcr&MCROUT2 != 0 {
		m |= MSRDCD
	}
	return m
}

// setLines updates MSR's line bits and their delta bits.
func (u *UART) setLines(m uint8) {
	old := u.msr
	changed := (old ^ m) & msrLines
	d := changed>>4&(MSRDCTS|MSRDDSR|MSRDDCD) | old&0x0F
	if old&MSRRI != 0 && m&MSRRI == 0 {
		d |= MSRTERI // trailing edge of ring indicator
	}
	u.msr = m | d
}

// In reads a UART port.
func (u *UART) In(port uint16, size int) uint32 {
	var v uint8
	switch port - u.base {
	case RBR:
		if u.lcr&LCRDLAB != 0 {
			v = u.dll
			break
		}
		v = u.lastRBR
		if len(u.rx) > 0 {
			v = u.rx[0]
			u.rx = u.rx[1:]
			if len(u.rx) == 0 {
				u.rx = nil // let the backing array go
			}
			u.lastRBR = v
		}
	case IER:
		if u.lcr&LCRDLAB != 0 {
			v = u.dlm
			break
		}
		v = u.ier
	case IIR:
		v = u.iir()
		if v&0x0F == IIRTHRE {
			u.threPend = false
		}
		if u.fcr&FCREnable != 0 {
			v |= IIRFIFO
		}
	case LCR:
		v = u.lcr
	case MCR:
		v = u.mcr
	case LSR:
		v = LSRTHRE | LSRTEMT
		if len(u.rx) > 0 {
			v |= LSRDR
		}
	case MSR:
		v = u.msr
		u.msr &= msrLines
	case SCR:
		v = u.scr
	default:
		return 0xFF
	}
	u.update()
	return uint32(v)
}

// Out writes a UART port.
func (u *UART) Out(port uint16, size int, val uint32) {
	v := uint8(val)
	switch port - u.base {
	case THR:
		if u.lcr&LCRDLAB != 0 {
			u.dll = v
			break
		}
		u.transmit(v)
	case IER:
		if u.lcr&LCRDLAB != 0 {
			u.dlm = v
			break
		}
		if v&IERTHRE != 0 && u.ier&IERTHRE == 0 {
			u.threPend = true // enabling THRE interrupts with THR empty interrupts at once
		}
		u.ier = v & 0x0F
	case FCR:
		if v&FCRClearRx != 0 {
			u.rx = nil
		}
		u.fcr = v &^ (FCRClearRx | FCRClearTx)
		if v&FCREnable == 0 {
			u.fcr = 0
		}
	case LCR:
		u.lcr = v
	case MCR:
		if u.mcr&MCRLoop != 0 && v&MCRLoop == 0 {
			u.rx = append(u.rx, u.held...) // host input that arrived during loopback
			u.held = nil
		}
		u.mcr = v & 0x1F
		u.setLines(u.lines())
	case SCR:
		u.scr = v
	}
	u.update()
}

// transmit sends one byte: to Output, or back to the receiver in loopback mode.
func (u *UART) transmit(b byte) {
	if u.mcr&MCRLoop != 0 {
		u.rx = append(u.rx, b)
	} else if u.Output != nil {
		u.Output(b)
	}
	u.threPend = true // sent at once: THR is empty again
}

// Receive queues bytes from the host for the guest to read.
func (u *UART) Receive(b []byte) {
	if u.mcr&MCRLoop != 0 {
		u.held = append(u.held, b...) // the receiver hears only the transmitter for now
		return
	}
	u.rx = append(u.rx, b...)
	if u.irqLine && len(b) > 0 && u.IRQ != nil {
		// New data while the line is already up: pulse it so an edge-triggered
		// controller that missed the first edge (masked at the time) hears this one,
		// as qemu re-raises its line on every received byte.
		u.IRQ(false)
		u.IRQ(true)
	}
	u.update()
}

// Queued returns the number of received bytes the guest has not read yet.
func (u *UART) Queued() int { return len(u.rx) }

// iir returns the highest-priority interrupt source (IIR bits 0-3).
func (u *UART) iir() uint8 {
	switch {
	case u.ier&IERRDA != 0 && len(u.rx) > 0:
		if u.fcr&FCREnable != 0 && len(u.rx) < fifoTrigger[u.fcr>>6] {
			return IIRTimeout // below the trigger level: the character timeout fires at once
		}
		return IIRRDA
	case u.ier&IERTHRE != 0 && u.threPend:
		return IIRTHRE
	case u.ier&IERMS != 0 && u.msr&0x0F != 0:
		return IIRMS
	}
	return IIRNone
}

// update drives the IRQ line from the interrupt sources. OUT2 does not gate it: xv6
// leaves OUT2 clear and still expects IRQ 4, as qemu delivers it.
func (u *UART) update() {
	level := u.iir() != IIRNone
	if level == u.irqLine {
		return
	}
	u.irqLine = level
	if u.IRQ != nil {
		u.IRQ(level)
	}
}
