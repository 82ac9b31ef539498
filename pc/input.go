package pc

import "gemu/uart"

// com1Port is COM1 on the I/O bus. It counts the guest's polls of the line status
// register, which tells a polling guest from one that waits for IRQ 4 (serialReady).
type com1Port struct {
	u        *uart.UART
	lsrPolls int
	ready    bool // the guest has been seen ready for input; stays so until a reboot
}

// COM1 register ports the board looks at.
const (
	com1IER = 0x3F9
	com1LCR = 0x3FB
	com1LSR = 0x3FD
)

func (p *com1Port) In(port uint16, size int) uint32 {
	if port == com1LSR {
		p.lsrPolls++
	}
	return p.u.In(port, size)
}

func (p *com1Port) Out(port uint16, size int, v uint32) { p.u.Out(port, size, v) }

// pollingGuest is how many LSR reads make a guest count as polling for input.
const pollingGuest = 64

// serialReady reports whether host serial input may be handed to the UART now. Input
// that arrives before the guest has set the UART up would be lost: xv6's uartinit reads
// RBR (eating a byte) and the I/O APIC forgets an edge on a masked pin. So input waits
// until the receive interrupt can reach a CPU (IER.ERBFI set, IRQ 4 unmasked in the I/O
// APIC, or in the 8259 while it feeds CPU 0), or until the guest polls LSR, as a guest
// without interrupts does. The answer depends only on guest behaviour, so typed-ahead
// input gives the same run every time.
func (m *Machine) serialReady() bool {
	p := m.com1
	if p.ready {
		return true
	}
	if p.lsrPolls >= pollingGuest {
		p.ready = true
		return true
	}
	if m.uart.In(com1LCR, 1)&0x80 != 0 || m.uart.In(com1IER, 1)&1 == 0 {
		return false
	}
	p.ready = m.ioapicPinOpen(4) || (m.apics[0].AcceptsPIC() && m.pic.In(0x21, 1)&(1<<4) == 0)
	return p.ready
}

// ioapicPinOpen reports whether I/O APIC pin's redirection entry is unmasked, leaving
// the register select as the guest left it.
func (m *Machine) ioapicPinOpen(pin int) bool {
	sel := m.ioapic.Read(0x00, 4)
	m.ioapic.Write(0x00, 4, uint32(0x10+2*pin))
	lo := m.ioapic.Read(0x10, 4)
	m.ioapic.Write(0x00, 4, sel)
	return lo&(1<<16) == 0
}
