// Command example is the tutorials' site rebuilt on djin. This first version serves the
// index page through a ginmw stack built from the example's settings file; the MD1 and MD2
// middlewares are the tutorials' and print Django's hook order.
//
//	go run ./example                 # http://127.0.0.1:8000/index/
//	go run ./example -addr :9000 -settings example/settings.yaml
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8000", "address to listen on")
	settingsPath := fs.String("settings", defaultSettings(), "settings file (Django's settings.py)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	router, err := newRouter(*settingsPath)
	if err != nil {
		return err
	}
	slog.Info("example: listening", "url", "http://"+*addr+"/index/")
	return http.ListenAndServe(*addr, router)
}

// newRouter builds the site: the settings file's MIDDLEWARE list as one chain, then routes.
func newRouter(settingsPath string) (*gin.Engine, error) {
	settings, err := ginmw.ReadSettings(settingsPath)
	if err != nil {
		return nil, err
	}
	if !settings.Debug {
		gin.SetMode(gin.ReleaseMode)
	}
	stack, err := settings.Stack(ginmw.Env{})
	if err != nil {
		return nil, err
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(stack) // Django: MIDDLEWARE; it also runs for 404 and 405
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/index/") })
	r.GET("/index/", index)
	return r, nil
}

func index(c *gin.Context) {
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(`<!doctype html>
<title>djin</title>
<h1>djin</h1>
<p>This page went through the middleware list in example/settings.yaml.</p>
`))
}

// defaultSettings finds example/settings.yaml whether the program runs from the
// repository root or from the example directory.
func defaultSettings() string {
	for _, p := range []string{"example/settings.yaml", "settings.yaml"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		return filepath.Join(filepath.Dir(file), "settings.yaml")
	}
	return "example/settings.yaml"
}
