// Package kbd emulates the PC's Intel 8042 keyboard controller with a keyboard sending
// scan code set 1 (as the controller delivers it after translation).
package kbd

// Ports.
const (
	DataPort   = 0x60 // output buffer (read), input buffer data (write)
	StatusPort = 0x64 // status (read), command (write)
)

// Status register bits.
const (
	OBF  = 0x01 // output buffer full
	IBF  = 0x02 // input buffer full
	SYS  = 0x04 // system flag (self test passed)
	CMD  = 0x08 // last write was to the command port
	INH  = 0x10 // keyboard not inhibited
	AOBF = 0x20 // output buffer holds aux data
)

// Controller is the 8042 with its keyboard.
type Controller struct {
	// IRQ drives interrupt line 1. Set by the board; nil-safe.
	IRQ func(level bool)
	// A20 is called with the new A20 gate state when the guest changes it.
	A20 func(on bool)
	// Reset is called when the guest pulses the CPU reset line (command 0xFE).
	Reset func()
}

// New returns a controller after its power-on self test.
func New() *Controller { return &Controller{} }

// In reads port 0x60 or 0x64.
func (c *Controller) In(port uint16, size int) uint32 { return 0 }

// Out writes port 0x60 or 0x64.
func (c *Controller) Out(port uint16, size int, v uint32) {}

// Send queues scan codes (set 1) from the keyboard.
func (c *Controller) Send(codes ...byte) {}
