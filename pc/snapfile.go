package pc

import (
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// The snapshot file format (docs/snapshots.md):
//
//	header   "GEMUSNAP", version uint32, section count uint32, file length uint64
//	sections each: id [4]byte, payload length uint64, payload
//	  "MACH" encoding/gob of MachineState
//	  "DISK" DEFLATE of the encoding/gob of [2]DiskState
//	  "RAM " DEFLATE of: page count uint32, one kind byte per page (0 zero, 1 filled
//	         with one byte value, 2 data, 3 sparse), the fill byte of each kind-1 and
//	         kind-3 page, then in page order the runs of each kind-3 page (snappage.go)
//	         and the 4 KB of each kind-2 page
//	trailer  SHA-256 of everything before it
//
// All integers are little-endian. The same machine state always gives the same bytes.

// SnapshotMagic starts every snapshot file.
const SnapshotMagic = "GEMUSNAP"

// SnapshotVersion is the version of the file format this Gemu writes and reads.
const SnapshotVersion = 1

const (
	snapHeaderSize = 8 + 4 + 4 + 8
	snapTrailer    = sha256.Size
	maxSection     = 1 << 34 // no section is larger (RAM's worst case is under 4 GB)
)

// ErrNotSnapshot says a file does not start with SnapshotMagic.
var ErrNotSnapshot = errors.New("not a Gemu snapshot (no GEMUSNAP magic)")

// WriteTo writes the snapshot in the file format.
func (s *Snapshot) WriteTo(w io.Writer) (int64, error) {
	if s.ram == nil || s.ram.mem == nil {
		return 0, errors.New("snapshot: no RAM (closed?)")
	}
	disks := s.Disks // with the save-time hashes filled in (DiskState.hash)
	for i := range disks {
		h, err := disks[i].hash()
		if err != nil {
			return 0, fmt.Errorf("snapshot: disk %d: %w", i, err)
		}
		disks[i].Hash = h
	}
	var mach, disk bytes.Buffer
	if err := gob.NewEncoder(&mach).Encode(&s.State); err != nil {
		return 0, fmt.Errorf("snapshot: encoding the machine state: %w", err)
	}
	zw, err := flate.NewWriter(&disk, flate.BestSpeed)
	if err != nil {
		return 0, fmt.Errorf("snapshot: %w", err)
	}
	if err := gob.NewEncoder(zw).Encode(&disks); err != nil {
		return 0, fmt.Errorf("snapshot: encoding the disks: %w", err)
	}
	if err := zw.Close(); err != nil {
		return 0, fmt.Errorf("snapshot: compressing the disks: %w", err)
	}
	ram, err := encodeRAM(s.page, s.pages)
	runtime.KeepAlive(s.ram) // its finalizer unmaps mem
	if err != nil {
		return 0, err
	}
	secs := []struct {
		id string
		b  []byte
	}{{"MACH", mach.Bytes()}, {"DISK", disk.Bytes()}, {"RAM ", ram}}
	size := int64(snapHeaderSize + snapTrailer)
	for _, sec := range secs {
		size += 12 + int64(len(sec.b))
	}
	h := sha256.New()
	bw := bufio.NewWriter(w)
	cw := &countWriter{w: io.MultiWriter(bw, h)}
	var hdr [snapHeaderSize]byte
	copy(hdr[:], SnapshotMagic)
	binary.LittleEndian.PutUint32(hdr[8:], SnapshotVersion)
	binary.LittleEndian.PutUint32(hdr[12:], uint32(len(secs)))
	binary.LittleEndian.PutUint64(hdr[16:], uint64(size))
	cw.Write(hdr[:])
	for _, sec := range secs {
		var sh [12]byte
		copy(sh[:], sec.id)
		binary.LittleEndian.PutUint64(sh[4:], uint64(len(sec.b)))
		cw.Write(sh[:])
		cw.Write(sec.b)
	}
	bw.Write(h.Sum(nil))
	cw.n += snapTrailer
	if cw.err != nil {
		return cw.n, fmt.Errorf("snapshot: writing: %w", cw.err)
	}
	if err := bw.Flush(); err != nil {
		return cw.n, fmt.Errorf("snapshot: writing: %w", err)
	}
	return cw.n, nil
}

// countWriter counts bytes and keeps the first error.
type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

// Write writes p on, counting it.
func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// encodeRAM compresses RAM as the "RAM " section.
func encodeRAM(page func(i int) []byte, pm pageMap) ([]byte, error) {
	var fills []byte
	for i, k := range pm.kind {
		if k == pageFill || k == pageSparse {
			fills = append(fills, pm.fill[i])
		}
	}
	var out bytes.Buffer
	zw, err := flate.NewWriter(&out, flate.BestSpeed)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	var cnt [4]byte
	binary.LittleEndian.PutUint32(cnt[:], uint32(len(pm.kind)))
	zw.Write(cnt[:])
	zw.Write(pm.kind)
	zw.Write(fills)
	var sp []byte
	for i, k := range pm.kind {
		switch k {
		case pageData:
			zw.Write(page(i))
		case pageSparse:
			sp = appendSparse(sp[:0], page(i), pm.fill[i])
			zw.Write(sp)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("snapshot: compressing RAM: %w", err)
	}
	return out.Bytes(), nil
}

// ReadSnapshot reads and checks a snapshot file's contents. A file that is truncated,
// damaged, of another format version or not a snapshot gives an error naming the problem.
func ReadSnapshot(r io.Reader) (*Snapshot, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading snapshot: %w", err)
	}
	return decodeSnapshot(b)
}

// LoadSnapshot reads the snapshot file at path.
func LoadSnapshot(path string) (*Snapshot, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	s, err := decodeSnapshot(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// SaveSnapshot writes the snapshot to path (through a temporary file in the same
// directory, renamed into place, so a failed save leaves no partial file).
func SaveSnapshot(s *Snapshot, path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("saving snapshot: %w", err)
	}
	_, err = s.WriteTo(f)
	if err == nil {
		err = f.Chmod(0o644) // CreateTemp makes it 0600; a snapshot is shared as an image is
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("saving snapshot %s: %w", path, err)
	}
	return nil
}

// decodeSnapshot checks and decodes a snapshot file's bytes.
func decodeSnapshot(b []byte) (*Snapshot, error) {
	if len(b) < len(SnapshotMagic) || string(b[:len(SnapshotMagic)]) != SnapshotMagic {
		return nil, ErrNotSnapshot
	}
	if len(b) < snapHeaderSize {
		return nil, fmt.Errorf("truncated snapshot: %d bytes, shorter than the header", len(b))
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != SnapshotVersion {
		return nil, fmt.Errorf("snapshot format version %d; this Gemu reads version %d", v, SnapshotVersion)
	}
	nsec := binary.LittleEndian.Uint32(b[12:])
	if size := binary.LittleEndian.Uint64(b[16:]); size != uint64(len(b)) {
		if size > uint64(len(b)) {
			return nil, fmt.Errorf("truncated snapshot: %d of %d bytes", len(b), size)
		}
		return nil, fmt.Errorf("damaged snapshot: %d bytes, the header says %d", len(b), size)
	}
	if len(b) < snapHeaderSize+snapTrailer {
		return nil, fmt.Errorf("truncated snapshot: %d bytes", len(b))
	}
	body, sum := b[:len(b)-snapTrailer], b[len(b)-snapTrailer:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, errors.New("damaged snapshot: checksum mismatch")
	}
	secs := map[string][]byte{}
	p := body[snapHeaderSize:]
	for i := uint32(0); i < nsec; i++ {
		if len(p) < 12 {
			return nil, errors.New("damaged snapshot: section header past the end")
		}
		id, n := string(p[:4]), binary.LittleEndian.Uint64(p[4:12])
		p = p[12:]
		if n > uint64(len(p)) || n > maxSection {
			return nil, fmt.Errorf("damaged snapshot: section %q past the end", id)
		}
		secs[id], p = p[:n], p[n:]
	}
	for _, id := range []string{"MACH", "DISK", "RAM "} {
		if secs[id] == nil {
			return nil, fmt.Errorf("damaged snapshot: no %q section", id)
		}
	}
	s := &Snapshot{}
	if err := gob.NewDecoder(bytes.NewReader(secs["MACH"])).Decode(&s.State); err != nil {
		return nil, fmt.Errorf("damaged snapshot: machine state: %w", err)
	}
	if err := gob.NewDecoder(flate.NewReader(bytes.NewReader(secs["DISK"]))).Decode(&s.Disks); err != nil {
		return nil, fmt.Errorf("damaged snapshot: disks: %w", err)
	}
	if s.State.MemoryMB < MinMemoryMB || s.State.MemoryMB > MaxMemoryMB {
		return nil, fmt.Errorf("damaged snapshot: %d MB of RAM", s.State.MemoryMB)
	}
	if s.State.CPUs < 1 || s.State.CPUs > MaxCPUs {
		return nil, fmt.Errorf("damaged snapshot: %d CPUs", s.State.CPUs)
	}
	ram, pm, err := decodeRAM(secs["RAM "], s.State.MemoryMB<<20)
	if err != nil {
		return nil, err
	}
	s.ram, s.pages = ram, pm
	return s, nil
}

// decodeRAM expands the "RAM " section into a new RAM image of size bytes.
func decodeRAM(sec []byte, size int) (*ramImage, pageMap, error) {
	zr := flate.NewReader(bytes.NewReader(sec))
	defer zr.Close()
	br := bufio.NewReaderSize(zr, 1<<20)
	var cnt [4]byte
	if _, err := io.ReadFull(br, cnt[:]); err != nil {
		return nil, pageMap{}, fmt.Errorf("damaged snapshot: RAM: %w", err)
	}
	n := int(binary.LittleEndian.Uint32(cnt[:]))
	if n != size/pageSize {
		return nil, pageMap{}, fmt.Errorf("damaged snapshot: %d RAM pages for %d MB", n, size>>20)
	}
	kinds := make([]byte, n)
	if _, err := io.ReadFull(br, kinds); err != nil {
		return nil, pageMap{}, fmt.Errorf("damaged snapshot: RAM page kinds: %w", err)
	}
	nfill := 0
	for _, k := range kinds {
		switch k {
		case pageFill, pageSparse:
			nfill++
		case pageZero, pageData:
		default:
			return nil, pageMap{}, fmt.Errorf("damaged snapshot: RAM page kind %d", k)
		}
	}
	fills := make([]byte, nfill)
	if _, err := io.ReadFull(br, fills); err != nil {
		return nil, pageMap{}, fmt.Errorf("damaged snapshot: RAM fills: %w", err)
	}
	pm := pageMap{kind: kinds, fill: make([]byte, n)}
	var nb [256]byte
	next := func(n int) ([]byte, error) {
		_, err := io.ReadFull(br, nb[:n])
		return nb[:n], err
	}
	r, err := newRAMImage(size)
	if err != nil {
		return nil, pageMap{}, err
	}
	// Pages are written a run at a time: consecutive pages that are not zero.
	const maxRun = 8 << 20
	run := make([]byte, 0, maxRun)
	start := 0
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		err := r.writeAt(run, start)
		run = run[:0]
		return err
	}
	fi := 0
	for i, k := range kinds {
		if k == pageZero {
			if err := flush(); err != nil {
				r.close()
				return nil, pageMap{}, err
			}
			continue
		}
		if len(run) == 0 {
			start = i * pageSize
		}
		page := run[len(run) : len(run)+pageSize]
		run = run[:len(run)+pageSize]
		var err error
		switch k {
		case pageFill:
			pm.fill[i] = fills[fi]
			fi++
			fillBytes(page, pm.fill[i])
		case pageSparse:
			pm.fill[i] = fills[fi]
			fi++
			err = readSparse(page, pm.fill[i], next)
		default:
			_, err = io.ReadFull(br, page)
		}
		if err != nil {
			r.close()
			return nil, pageMap{}, fmt.Errorf("damaged snapshot: RAM page %d: %w", i, err)
		}
		if len(run) == maxRun {
			if err := flush(); err != nil {
				r.close()
				return nil, pageMap{}, err
			}
		}
	}
	if err := flush(); err != nil {
		r.close()
		return nil, pageMap{}, err
	}
	if err := r.finish(); err != nil {
		r.close()
		return nil, pageMap{}, err
	}
	r.pages = pm
	return r, pm, nil
}
