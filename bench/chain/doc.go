// Package chain compares djin's middleware pipeline and its default middlewares with bare
// gin, plain gin middlewares and the gin-contrib middlewares that do the same job:
//
//   - BenchmarkChain: seven middlewares that do nothing, as a ginmw.Chain of Django-style
//     hook types and as seven plain gin handlers, against bare gin. The cost is the
//     pipeline's own (the buffered response, the hook dispatch).
//   - BenchmarkSecurity, BenchmarkXFrame: ginmw's SecurityMiddleware and
//     XFrameOptionsMiddleware against gin-contrib/secure set to send the same headers.
//   - BenchmarkGZip: ginmw's GZipMiddleware against gin-contrib/gzip, on a 2 KiB page and
//     on a 2-byte one.
//   - BenchmarkRequestID: ginmw's RequestIDMiddleware against gin-contrib/requestid, with
//     a generated id and with an incoming one.
//   - BenchmarkAccessLog: ginmw's AccessLogMiddleware (a JSON slog record) against
//     gin.Logger (a text line), both writing to io.Discard.
//   - BenchmarkStack: security, x-frame-options, request id and gzip together, as one djin
//     chain and as the three gin-contrib middlewares.
//
// The package has no code outside its tests; see bench/README.md for how to run it.
package chain
