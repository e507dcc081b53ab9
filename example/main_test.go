package main

import (
	"io"
	"os"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.DefaultWriter = io.Discard // the route table gin prints in debug mode, once per test site
	os.Exit(m.Run())
}
