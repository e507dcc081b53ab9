// Command baregin is the load test's floor: gin with no middleware answering every GET
// with the bytes of a file (the page the example served), so the only difference from the
// example under wrk is djin's default stack.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	bodyFile := flag.String("body", "", "file whose bytes every GET answers with")
	flag.Parse()
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		log.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.NoRoute(func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", body) })
	log.Fatal(http.ListenAndServe(*addr, r))
}
