package vga

// State is the adapter's register state for a snapshot; the text itself is in guest RAM.
type State struct {
	CRTCIdx  uint8
	CRTC     [32]uint8
	SeqIdx   uint8
	Seq      [8]uint8
	GfxIdx   uint8
	Gfx      [16]uint8
	AttrIdx  uint8
	Attr     [32]uint8
	AttrData bool // the 0x3C0 flip-flop
	Misc     uint8
	DAC      [4]uint8
	Retrace  bool
}

// Save returns the adapter's registers.
func (v *VGA) Save() State {
	return State{CRTCIdx: v.crtcIdx, CRTC: v.crtc, SeqIdx: v.seqIdx, Seq: v.seq, GfxIdx: v.gfxIdx,
		Gfx: v.gfx, AttrIdx: v.attrIdx, Attr: v.attr, AttrData: v.attrData, Misc: v.misc,
		DAC: v.dac, Retrace: v.retrace}
}

// Restore makes s the adapter's registers and counts a change, so that a front end
// redraws the screen (the text in RAM changes with the snapshot's RAM).
func (v *VGA) Restore(s State) error {
	v.crtcIdx, v.crtc, v.seqIdx, v.seq, v.gfxIdx, v.gfx = s.CRTCIdx, s.CRTC, s.SeqIdx, s.Seq, s.GfxIdx, s.Gfx
	v.attrIdx, v.attr, v.attrData, v.misc, v.dac, v.retrace = s.AttrIdx, s.Attr, s.AttrData, s.Misc, s.DAC, s.Retrace
	v.version++
	return nil
}
