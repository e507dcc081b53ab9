package ginmw

import "github.com/gin-gonic/gin"

// Handler returns the middleware as a gin.HandlerFunc that works on its own: ginmw.Adapt(m).
// Inside a Chain or a settings list, use the middleware value itself.
func (m *SecurityMiddleware) Handler() gin.HandlerFunc { return Adapt(m) }

// Handler returns the middleware as a gin.HandlerFunc that works on its own: ginmw.Adapt(m).
func (m *CommonMiddleware) Handler() gin.HandlerFunc { return Adapt(m) }

// Handler returns the middleware as a gin.HandlerFunc that works on its own: ginmw.Adapt(m).
func (m *XFrameOptionsMiddleware) Handler() gin.HandlerFunc { return Adapt(m) }

// Handler returns the middleware as a gin.HandlerFunc that works on its own: ginmw.Adapt(m).
func (m *ConditionalGetMiddleware) Handler() gin.HandlerFunc { return Adapt(m) }

// Handler returns the middleware as a gin.HandlerFunc that works on its own: ginmw.Adapt(m).
func (m *GZipMiddleware) Handler() gin.HandlerFunc { return Adapt(m) }

// Handler returns the middleware as a gin.HandlerFunc that works on its own: ginmw.Adapt(m).
func (m *RequestIDMiddleware) Handler() gin.HandlerFunc { return Adapt(m) }

// Handler returns the middleware as a gin.HandlerFunc that works on its own: ginmw.Adapt(m).
func (m *AccessLogMiddleware) Handler() gin.HandlerFunc { return Adapt(m) }
