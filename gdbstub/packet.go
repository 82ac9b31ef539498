package gdbstub

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// MaxPacket is the largest packet payload the stub accepts (advertised as PacketSize).
const MaxPacket = 0x4000

// eventKind says what the framing layer read from the client.
type eventKind int

const (
	evPacket    eventKind = iota // a packet with a good checksum
	evBad                        // a packet with a bad checksum or malformed trailer
	evOversized                  // a packet longer than MaxPacket (payload dropped)
	evAck                        // '+'
	evNak                        // '-'
	evInterrupt                  // 0x03 outside a packet
)

// event is one thing read from the client.
type event struct {
	kind eventKind
	data []byte // packet payload (evPacket), unescaped of nothing: escapes are per packet type
}

// readEvent reads the next event from r. Bytes outside packets other than '+', '-' and
// 0x03 are skipped. A '$' inside a packet restarts the packet (resynchronisation).
func readEvent(r *bufio.Reader) (event, error) {
	for {
		b, err := r.ReadByte()
		if err != nil {
			return event{}, err
		}
		switch b {
		case '+':
			return event{kind: evAck}, nil
		case '-':
			return event{kind: evNak}, nil
		case 0x03:
			return event{kind: evInterrupt}, nil
		case '$':
			return readPacketBody(r)
		}
	}
}

// readPacketBody reads a payload after '$' up to '#' and the two checksum digits.
func readPacketBody(r *bufio.Reader) (event, error) {
	var buf []byte
	var sum byte
	over := false
	for {
		b, err := r.ReadByte()
		if err != nil {
			return event{}, err
		}
		if b == '$' { // restart: the client gave up on the previous packet
			buf, sum, over = buf[:0], 0, false
			continue
		}
		if b == '#' {
			break
		}
		sum += b
		if len(buf) >= MaxPacket {
			over = true
			continue
		}
		buf = append(buf, b)
	}
	var ck [2]byte
	for i := range ck {
		b, err := r.ReadByte()
		if err != nil {
			return event{}, err
		}
		ck[i] = b
	}
	if over {
		return event{kind: evOversized}, nil
	}
	want, err := strconv.ParseUint(string(ck[:]), 16, 8)
	if err != nil || byte(want) != sum {
		return event{kind: evBad}, nil
	}
	return event{kind: evPacket, data: buf}, nil
}

// frame wraps a payload as $payload#cs, escaping the bytes the protocol reserves.
func frame(payload []byte) []byte {
	out := make([]byte, 0, len(payload)+4)
	out = append(out, '$')
	var sum byte
	for _, b := range payload {
		if b == '$' || b == '#' || b == '}' || b == '*' {
			out = append(out, '}')
			sum += '}'
			b ^= 0x20
		}
		out = append(out, b)
		sum += b
	}
	return append(out, '#', hexDigit(sum>>4), hexDigit(sum&15))
}

func hexDigit(v byte) byte { return "0123456789abcdef"[v&15] }

// unescapeBinary undoes the '}' escaping of binary data (X packets).
func unescapeBinary(data []byte) ([]byte, error) {
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); i++ {
		b := data[i]
		if b == '}' {
			i++
			if i == len(data) {
				return nil, errors.New("escape at end of binary data")
			}
			b = data[i] ^ 0x20
		}
		out = append(out, b)
	}
	return out, nil
}

// writePacket writes one framed packet.
func writePacket(w io.Writer, payload []byte) error {
	if _, err := w.Write(frame(payload)); err != nil {
		return fmt.Errorf("gdbstub: send: %w", err)
	}
	return nil
}
