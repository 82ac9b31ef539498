package pic

import "fmt"

// ChipState is one 8259's registers and programming state.
type ChipState struct {
	IRR, ISR, IMR uint8
	ELCR          uint8
	Line          uint8 // input levels
	Base          uint8
	ICW3          uint8
	Step          int // next ICW expected: 2, 3, 4 or 0
	IC4           bool
	Single        bool
	LTIM          bool
	AEOI          bool
	RotateAEOI    bool
	SFNM          bool
	SMM           bool
	ReadISR       bool
	Poll          bool
	Lowest        uint8
}

// State is the pair's state for a snapshot: master then slave.
type State struct {
	Chip [2]ChipState
}

// Save returns the pair's state.
func (p *PIC) Save() State {
	var s State
	for i := range p.chip {
		c := &p.chip[i]
		s.Chip[i] = ChipState{IRR: c.irr, ISR: c.isr, IMR: c.imr, ELCR: c.elcr, Line: c.line,
			Base: c.base, ICW3: c.icw3, Step: c.step, IC4: c.ic4, Single: c.single, LTIM: c.ltim,
			AEOI: c.aeoi, RotateAEOI: c.rotateAEOI, SFNM: c.sfnm, SMM: c.smm, ReadISR: c.readISR,
			Poll: c.poll, Lowest: c.lowest}
	}
	return s
}

// Restore makes s the pair's state.
func (p *PIC) Restore(s State) error {
	for i, c := range s.Chip {
		if c.Step < 0 || c.Step > 4 || c.Lowest > 7 {
			return fmt.Errorf("pic state: chip %d: step %d, lowest %d out of range", i, c.Step, c.Lowest)
		}
	}
	for i, c := range s.Chip {
		p.chip[i] = chip{irr: c.IRR, isr: c.ISR, imr: c.IMR, elcr: c.ELCR, line: c.Line,
			base: c.Base, icw3: c.ICW3, step: c.Step, ic4: c.IC4, single: c.Single, ltim: c.LTIM,
			aeoi: c.AEOI, rotateAEOI: c.RotateAEOI, sfnm: c.SFNM, smm: c.SMM, readISR: c.ReadISR,
			poll: c.Poll, lowest: c.Lowest}
	}
	return nil
}
