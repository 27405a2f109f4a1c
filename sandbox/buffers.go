package sandbox

import (
	"bytes"
	"sync"
)

// cappedBuffer stores up to max bytes. The first write past max calls
// onOverflow, which kills the child, and every write past max fails.
type cappedBuffer struct {
	max        int
	onOverflow func()

	mu       sync.Mutex
	buf      bytes.Buffer
	overflow bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.overflow {
		return 0, ErrOutputLimit
	}
	if b.buf.Len()+len(p) > b.max {
		b.overflow = true
		b.onOverflow()
		return 0, ErrOutputLimit
	}
	return b.buf.Write(p)
}

// result returns the stored bytes and whether the output went past max.
func (b *cappedBuffer) result() ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Bytes(), b.overflow
}

// headTailBuffer keeps the first headMax and the last tailMax bytes written
// to it. A Go runtime failure states its cause in the first lines and a
// panic's cause may be anywhere, so both ends matter.
type headTailBuffer struct {
	headMax, tailMax int

	mu      sync.Mutex
	head    []byte
	tail    []byte
	dropped bool
}

func (b *headTailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	if room := b.headMax - len(b.head); room > 0 {
		take := min(room, len(p))
		b.head = append(b.head, p[:take]...)
		p = p[take:]
	}
	if len(p) > b.tailMax {
		p = p[len(p)-b.tailMax:]
		b.dropped = true
	}
	b.tail = append(b.tail, p...)
	if excess := len(b.tail) - b.tailMax; excess > 0 {
		b.tail = append(b.tail[:0], b.tail[excess:]...)
		b.dropped = true
	}
	return n, nil
}

// headText returns the first bytes written.
func (b *headTailBuffer) headText() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.head)
}

// String returns the kept bytes, with a marker where bytes were dropped.
func (b *headTailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped {
		return string(b.head) + "\n[...]\n" + string(b.tail)
	}
	return string(b.head) + string(b.tail)
}
