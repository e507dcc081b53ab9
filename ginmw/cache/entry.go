package cache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"
)

// ErrCorrupt is returned for a stored entry that does not decode; the middleware treats it
// as a miss.
var ErrCorrupt = errors.New("cache: stored entry is corrupt")

// entry is a cached response.
type entry struct {
	stored time.Time
	status int
	header http.Header
	body   []byte
}

// The encoding is binary and length-prefixed, so a body needs no escaping:
//
//	"DJC1" | stored (int64 Unix ms) | status (uint16) | header count (uint16)
//	  { name length (uint16) | name | value count (uint16) | { length (uint32) | value } }
//	| body length (uint32) | body
const entryMagic = "DJC1"

func (e *entry) encode() ([]byte, error) {
	n := len(entryMagic) + 8 + 2 + 2 + 4 + len(e.body)
	for k, vs := range e.header {
		n += 2 + len(k) + 2
		for _, v := range vs {
			n += 4 + len(v)
		}
	}
	if len(e.header) > math.MaxUint16 || len(e.body) > math.MaxUint32 {
		return nil, errors.New("cache: response too large to cache")
	}
	b := make([]byte, 0, n)
	b = append(b, entryMagic...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.stored.UnixMilli()))
	b = binary.BigEndian.AppendUint16(b, uint16(e.status))
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.header)))
	for k, vs := range e.header {
		if len(k) > math.MaxUint16 || len(vs) > math.MaxUint16 {
			return nil, errors.New("cache: header too large to cache")
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(k)))
		b = append(b, k...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(vs)))
		for _, v := range vs {
			b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
			b = append(b, v...)
		}
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(e.body)))
	return append(b, e.body...), nil
}

// decodeEntry reads what encode wrote. Every length is checked against what is left, so a
// truncated or forged value (a shared Redis is writable by others) is ErrCorrupt, never a
// panic or a huge allocation.
func decodeEntry(b []byte) (*entry, error) {
	d := decoder{b: b}
	if string(d.take(len(entryMagic))) != entryMagic {
		return nil, fmt.Errorf("%w: bad magic", ErrCorrupt)
	}
	e := &entry{}
	e.stored = time.UnixMilli(int64(d.u64()))
	e.status = int(d.u16())
	nh := int(d.u16())
	if d.err == nil && (e.status < 100 || e.status > 999) {
		return nil, fmt.Errorf("%w: status %d", ErrCorrupt, e.status)
	}
	e.header = make(http.Header, min(nh, 64))
	for i := 0; i < nh && d.err == nil; i++ {
		k := string(d.take(int(d.u16())))
		nv := int(d.u16())
		vs := make([]string, 0, min(nv, 16))
		for j := 0; j < nv && d.err == nil; j++ {
			vs = append(vs, string(d.take(int(d.u32()))))
		}
		e.header[k] = vs
	}
	e.body = d.take(int(d.u32()))
	if d.err == nil && len(d.b) != 0 {
		d.err = errors.New("trailing bytes")
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, d.err)
	}
	return e, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.err = errors.New("truncated")
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) u16() uint16 {
	if b := d.take(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}
