//go:build djindeps

// Package deps pins the modules djin is built on while the packages that import them are
// being written; go mod tidy considers every build tag, so these stay in go.mod.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/gin-contrib/sessions"
	_ "github.com/gin-gonic/gin"
	_ "github.com/golang-jwt/jwt/v5"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/crypto/argon2"
	_ "modernc.org/sqlite"
)
