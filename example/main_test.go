package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestExampleServesIndexThroughTheStack(t *testing.T) {
	r, err := newRouter("settings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/index/", nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "djin") {
		t.Fatalf("GET /index/: %d %q", w.Code, w.Body.String())
	}
	w = httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/missing/", nil))
	if w.Code != http.StatusNotFound {
		t.Fatalf("GET /missing/: %d", w.Code)
	}
}

func TestExampleRejectsBadSettings(t *testing.T) {
	if _, err := newRouter("no-such-file.yaml"); err == nil {
		t.Fatal("missing settings file accepted")
	}
}
