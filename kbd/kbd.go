// Package kbd emulates the PC's Intel 8042 keyboard controller with a keyboard sending
// scan code set 1 (as the controller delivers it after translation). There is no
// mouse on the auxiliary port.
package kbd

// Ports.
const (
	DataPort   = 0x60 // output buffer (read), input buffer data (write)
	StatusPort = 0x64 // status (read), command (write)
)

// Status register bits.
const (
	OBF  = 0x01 // output buffer full
	IBF  = 0x02 // input buffer full (never: commands complete at once)
	SYS  = 0x04 // system flag (self test passed)
	CMD  = 0x08 // last write was to the command port
	INH  = 0x10 // keyboard not inhibited
	AOBF = 0x20 // output buffer holds aux data
)

// Command byte bits.
const (
	CBKbdInt    = 0x01 // IRQ 1 when the output buffer fills
	CBAuxInt    = 0x02 // IRQ 12 for aux data
	CBSys       = 0x04 // system flag
	CBKbdOff    = 0x10 // keyboard interface disabled
	CBAuxOff    = 0x20 // aux interface disabled
	CBTranslate = 0x40 // translate to scan code set 1
)

// Output port bits.
const (
	OPReset = 0x01 // 0 holds the CPU in reset
	OPA20   = 0x02 // A20 gate
)

// Keyboard replies.
const (
	ACK      = 0xFA
	BATOK    = 0xAA
	Resend   = 0xFE
	EchoByte = 0xEE
)

// PowerOnCommandByte is the command byte after reset: keyboard interrupt, system flag,
// aux disabled, translation on.
const PowerOnCommandByte = CBKbdInt | CBSys | CBAuxOff | CBTranslate

// Controller is the 8042 with its keyboard.
type Controller struct {
	// IRQ drives interrupt line 1. Set by the board; nil-safe.
	IRQ func(level bool)
	// A20 is called with the new A20 gate state when the guest changes it (the gate
	// starts off).
	A20 func(on bool)
	// Reset is called when the guest pulses the CPU reset line (command 0xFE).
	Reset func()

	cmdByte  uint8
	outPort  uint8
	ram      [32]uint8 // internal RAM; byte 0 is the command byte
	status   uint8     // CMD bit
	obuf     uint8     // output buffer
	obf      bool
	replies  []uint8 // controller and keyboard replies, ahead of scan codes
	keys     []uint8 // scan codes from the keyboard
	ctrlCmd  uint8   // controller command waiting for its data byte, or 0
	kbdCmd   uint8   // keyboard command waiting for its parameter, or 0
	scanning bool    // keyboard enabled (0xF4 / 0xF5)
	lastSent uint8   // last byte the keyboard sent, for 0xFE resend
	irqLine  bool
}

// New returns a controller after its power-on self test.
func New() *Controller {
	return &Controller{cmdByte: PowerOnCommandByte, outPort: OPReset, scanning: true}
}

// In reads port 0x60 or 0x64.
func (c *Controller) In(port uint16, size int) uint32 {
	switch port {
	case DataPort:
		v := c.obuf
		c.obf = false
		c.drive() // the line drops, so the next byte makes a fresh edge
		c.refill()
		return uint32(v)
	case StatusPort:
		s := c.status | INH
		if c.obf {
			s |= OBF
		}
		if c.cmdByte&CBSys != 0 {
			s |= SYS
		}
		return uint32(s)
	}
	return 0xFF
}

// Out writes port 0x60 or 0x64.
func (c *Controller) Out(port uint16, size int, v uint32) {
	b := uint8(v)
	switch port {
	case StatusPort:
		c.status |= CMD
		c.command(b)
	case DataPort:
		c.status &^= CMD
		if cmd := c.ctrlCmd; cmd != 0 {
			c.ctrlCmd = 0
			c.commandData(cmd, b)
		} else {
			c.keyboard(b)
		}
	}
	c.refill()
}

// Send queues scan codes (set 1) from the keyboard.
func (c *Controller) Send(codes ...byte) {
	if len(codes) == 0 {
		return
	}
	c.keys = append(c.keys, codes...)
	if c.obf && c.irqLine && c.IRQ != nil {
		// A byte still waits with the line up (its edge may have gone unheard while the
		// interrupt was masked): pulse the line so the guest hears the new key.
		c.IRQ(false)
		c.IRQ(true)
	}
	c.refill()
}

// reply queues a byte from the controller or the keyboard ahead of scan codes.
func (c *Controller) reply(b ...uint8) { c.replies = append(c.replies, b...) }

// command runs a controller command written to port 0x64.
func (c *Controller) command(b uint8) {
	switch {
	case b == 0x20:
		c.reply(c.cmdByte)
	case b > 0x20 && b < 0x40:
		c.reply(c.ram[b&0x1F])
	case b >= 0x60 && b < 0x80, b == 0xD1, b == 0xD2, b == 0xD3, b == 0xD4:
		c.ctrlCmd = b // data byte follows on port 0x60
	case b == 0xA7:
		c.cmdByte |= CBAuxOff
	case b == 0xA8:
		c.cmdByte &^= CBAuxOff
	case b == 0xA9, b == 0xAB:
		c.reply(0x00) // interface test passed
	case b == 0xAA:
		c.cmdByte |= CBSys
		c.reply(0x55)
	case b == 0xAD:
		c.cmdByte |= CBKbdOff
	case b == 0xAE:
		c.cmdByte &^= CBKbdOff
	case b == 0xC0:
		c.reply(0x80) // input port: keyboard not inhibited
	case b == 0xD0:
		c.reply(c.outPort)
	case b == 0xDD:
		c.setOutPort(c.outPort &^ OPA20)
	case b == 0xDF:
		c.setOutPort(c.outPort | OPA20)
	case b == 0xE0:
		c.reply(0x00)
	case b >= 0xF0:
		if b&OPReset == 0 { // pulse output port bits; bit 0 is the CPU reset line
			if c.Reset != nil {
				c.Reset()
			}
		}
	}
	c.ram[0] = c.cmdByte
}

// commandData takes the data byte of a controller command.
func (c *Controller) commandData(cmd, b uint8) {
	switch {
	case cmd == 0x60:
		c.cmdByte = b
		c.ram[0] = b
	case cmd > 0x60 && cmd < 0x80:
		c.ram[cmd&0x1F] = b
	case cmd == 0xD1:
		c.setOutPort(b)
	case cmd == 0xD2:
		c.reply(b) // as if the keyboard sent it
	case cmd == 0xD3:
		// aux output buffer: there is no mouse driver side to echo to; drop it
	case cmd == 0xD4:
		c.reply(Resend) // no aux device answers
	}
}

// setOutPort writes the output port, reporting A20 changes and a reset request.
func (c *Controller) setOutPort(b uint8) {
	old := c.outPort
	c.outPort = b
	if (old^b)&OPA20 != 0 && c.A20 != nil {
		c.A20(b&OPA20 != 0)
	}
	if b&OPReset == 0 {
		c.outPort |= OPReset // the reset line is a pulse
		if c.Reset != nil {
			c.Reset()
		}
	}
}

// keyboard runs a byte written to port 0x60 as a keyboard command or parameter.
func (c *Controller) keyboard(b uint8) {
	if cmd := c.kbdCmd; cmd != 0 {
		c.kbdCmd = 0
		c.keyboardParam(cmd, b)
		return
	}
	switch b {
	case 0xFF: // reset
		c.keys = nil
		c.scanning = true
		c.kbdReply(ACK, BATOK)
	case 0xFE: // resend
		c.kbdReply(c.lastSent)
	case 0xF6: // set defaults
		c.kbdReply(ACK)
	case 0xF5: // disable scanning, set defaults
		c.scanning = false
		c.kbdReply(ACK)
	case 0xF4: // enable scanning
		c.scanning = true
		c.kbdReply(ACK)
	case 0xF2: // identify: MF2 keyboard
		if c.cmdByte&CBTranslate != 0 {
			c.kbdReply(ACK, 0xAB, 0x41)
		} else {
			c.kbdReply(ACK, 0xAB, 0x83)
		}
	case 0xEE:
		c.kbdReply(EchoByte)
	case 0xED, 0xF0, 0xF3: // LEDs, scan code set, typematic: a parameter follows
		c.kbdCmd = b
		c.kbdReply(ACK)
	case 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD:
		c.kbdReply(ACK)
	default:
		c.kbdReply(Resend)
	}
}

// keyboardParam takes the parameter byte of a keyboard command.
func (c *Controller) keyboardParam(cmd, b uint8) {
	if cmd == 0xF0 && b == 0 { // report the scan code set: 2 (0x41 once translated)
		if c.cmdByte&CBTranslate != 0 {
			c.kbdReply(ACK, 0x41)
		} else {
			c.kbdReply(ACK, 0x02)
		}
		return
	}
	c.kbdReply(ACK)
}

// kbdReply queues bytes the keyboard sends in answer to a command.
func (c *Controller) kbdReply(b ...uint8) {
	c.lastSent = b[len(b)-1]
	c.reply(b...)
}

// refill moves the next waiting byte into an empty output buffer and drives IRQ 1.
func (c *Controller) refill() {
	if !c.obf {
		switch {
		case len(c.replies) > 0:
			c.obuf, c.replies = c.replies[0], c.replies[1:]
			c.obf = true
		case len(c.keys) > 0 && c.scanning && c.cmdByte&CBKbdOff == 0:
			c.obuf, c.keys = c.keys[0], c.keys[1:]
			c.obf = true
		}
		if len(c.replies) == 0 {
			c.replies = nil
		}
		if len(c.keys) == 0 {
			c.keys = nil
		}
	}
	c.drive()
}

// drive sets IRQ 1 from the output buffer and the command byte's interrupt enable.
func (c *Controller) drive() {
	level := c.obf && c.cmdByte&CBKbdInt != 0
	if level != c.irqLine {
		c.irqLine = level
		if c.IRQ != nil {
			c.IRQ(level)
		}
	}
}
