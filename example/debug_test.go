package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
)

func TestDebugEndpointsOnLoopbackOnly(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	if _, err := serveDebug("0.0.0.0:0", logger); err == nil {
		t.Fatal("a non-loopback debug address was accepted")
	}
	ln, err := serveDebug("127.0.0.1:0", logger)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	res, err := http.Get("http://" + ln.Addr().String() + "/debug/vars")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var vars struct {
		Goroutines int `json:"goroutines"`
		Memstats   struct {
			HeapAlloc uint64 `json:"HeapAlloc"`
		} `json:"memstats"`
	}
	if err := json.Unmarshal(body, &vars); err != nil || vars.Goroutines == 0 || vars.Memstats.HeapAlloc == 0 {
		t.Fatalf("vars: %v %+v", err, vars)
	}
}
