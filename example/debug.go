package main

import (
	"errors"
	"expvar"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
)

// serveDebug answers /debug/vars (expvar, with the goroutine count and memstats) and
// /debug/pprof/ on a listener of its own, so the site's routes never expose them. Only a
// loopback address is accepted: these pages reveal the process. The soak test in
// bench/load reads /debug/vars to check that goroutines and heap stay flat.
// Django has no equivalent; django-debug-toolbar is the nearest.
func serveDebug(addr string, logger *slog.Logger) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, errors.New("-debug-addr must be a loopback address such as 127.0.0.1:6060")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/debug/vars", expvar.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	logger.Info("example: debug endpoints", "url", "http://"+ln.Addr().String()+"/debug/vars")
	go func() { _ = http.Serve(ln, mux) }()
	return ln, nil
}

func init() {
	expvar.Publish("goroutines", expvar.Func(func() any { return runtime.NumGoroutine() }))
}
