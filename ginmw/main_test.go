package ginmw

import (
	"log/slog"
	"os"
	"testing"
)

// The tests provoke panics and errors on purpose; their log lines would bury real output.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}
