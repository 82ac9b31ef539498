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

// UART is one 16550A.
type UART struct {
	// Output receives every transmitted byte. Set by the board; nil drops bytes.
	Output func(b byte)
	// IRQ drives the interrupt line (IRQ 4 for COM1). Set by the board; nil-safe.
	IRQ func(level bool)

	base uint16
}

// New returns a UART whose registers start at port base (0x3F8 for COM1).
func New(base uint16) *UART { return &UART{base: base} }

// In reads a UART port.
func (u *UART) In(port uint16, size int) uint32 { return 0 }

// Out writes a UART port.
func (u *UART) Out(port uint16, size int, v uint32) {}

// Receive queues bytes from the host for the guest to read.
func (u *UART) Receive(b []byte) {}
