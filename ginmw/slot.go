package ginmw

import (
	"fmt"
	"sync/atomic"

	"github.com/gin-gonic/gin"
)

// MaxSlots is how many Slots a process can create.
const MaxSlots = 16

// Slot is a per-request value that a middleware keeps in the chain's pooled request state
// instead of gin's c.Set, which allocates the Context's key map on first use. A request
// passing through nested chains sees one set of slots. Slots are created once, at start-up
// (package variables), and hold nothing between requests.
//
// The zero Slot is not valid; use NewSlot.
type Slot struct{ i int }

var slotCount atomic.Int32

// NewSlot reserves a slot. It panics after MaxSlots slots, which only a program creating
// slots per request (a bug) would reach.
func NewSlot() Slot {
	n := slotCount.Add(1)
	if n > MaxSlots {
		panic(fmt.Sprintf("ginmw: NewSlot: more than %d slots", MaxSlots))
	}
	return Slot{i: int(n)}
}

// Get returns the slot's value for the request, or nil when none was set or c is not
// inside a chain.
func (s Slot) Get(c *gin.Context) any {
	if st := rootStateOf(c); st != nil && s.i > 0 {
		return st.slots[s.i-1]
	}
	return nil
}

// Set stores v for the request. It reports false when c is not inside a chain; the caller
// then keeps the value elsewhere (c.Set).
func (s Slot) Set(c *gin.Context, v any) bool {
	if st := rootStateOf(c); st != nil && s.i > 0 {
		st.slots[s.i-1] = v
		return true
	}
	return false
}

// rootStateOf returns the state of the outermost chain c runs in, so nested chains share
// one request's slots.
func rootStateOf(c *gin.Context) *state {
	st := stateOf(c)
	for st != nil {
		outer, ok := st.resp.w.(*Response)
		if !ok || outer.st == nil {
			break
		}
		st = outer.st
	}
	return st
}
