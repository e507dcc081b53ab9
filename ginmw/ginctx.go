package ginmw

import (
	"reflect"
	"unsafe"

	"github.com/gin-gonic/gin"
)

// A plain gin middleware inside a chain calls c.Next() and expects the rest of the chain
// to run inside that call, as Django's MIDDLEWARE and gin's own onion both promise. Gin
// keeps its handler list and position unexported and offers no way to run a sub-list on a
// Context, so the chain swaps them for the duration of that middleware. The field layout is
// checked once at start-up against the pinned gin version; if it ever changes, New refuses
// plain middlewares with an error instead of misbehaving, and chains of hook types (which
// never touch these fields) keep working.

var (
	handlersOffset     uintptr
	indexOffset        uintptr
	contextLayoutKnown bool

	// CommonMiddleware's APPEND_SLASH asks the engine whether the slashed path has a
	// route; gin keeps the engine unexported too.
	engineOffset     uintptr
	engineFieldKnown bool
)

func init() {
	t := reflect.TypeFor[gin.Context]()
	h, okH := t.FieldByName("handlers")
	i, okI := t.FieldByName("index")
	contextLayoutKnown = okH && okI &&
		h.Type == reflect.TypeFor[gin.HandlersChain]() &&
		i.Type.Kind() == reflect.Int8
	if contextLayoutKnown {
		handlersOffset, indexOffset = h.Offset, i.Offset
	}
	e, okE := t.FieldByName("engine")
	engineFieldKnown = okE && e.Type == reflect.TypeFor[*gin.Engine]()
	engineOffset = e.Offset
}

// engineOf returns the engine serving c, or nil when gin's layout is not the known one.
func engineOf(c *gin.Context) *gin.Engine {
	if !engineFieldKnown {
		return nil
	}
	return *(**gin.Engine)(unsafe.Add(unsafe.Pointer(c), engineOffset))
}

func ctxHandlers(c *gin.Context) gin.HandlersChain {
	return *(*gin.HandlersChain)(unsafe.Add(unsafe.Pointer(c), handlersOffset))
}

func setCtxHandlers(c *gin.Context, h gin.HandlersChain) {
	*(*gin.HandlersChain)(unsafe.Add(unsafe.Pointer(c), handlersOffset)) = h
}

func ctxIndex(c *gin.Context) int8 {
	return *(*int8)(unsafe.Add(unsafe.Pointer(c), indexOffset))
}

func setCtxIndex(c *gin.Context, i int8) {
	*(*int8)(unsafe.Add(unsafe.Pointer(c), indexOffset)) = i
}

// ctxIndexOr reads gin's position when the layout is known; only chains with plain
// middlewares use the value.
func ctxIndexOr(c *gin.Context) int8 {
	if !contextLayoutKnown {
		return 0
	}
	return ctxIndex(c)
}
