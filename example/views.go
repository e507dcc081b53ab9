package main

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/authx"
	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/messages"
)

// The views. Django: app01/views.py. Each one answers with ginmw.Render, Django's
// TemplateResponse: the csrf and messages middlewares add csrf_token and messages to the
// data (their context processors), and the layout shows the flash messages on every page.

// render answers with a page template; data gets the title and the current user.
// Django: render(request, "page.html", context) with the auth context processor's user.
func render(c *gin.Context, status int, name, title string, data gin.H) {
	if data == nil {
		data = gin.H{}
	}
	data["title"] = title
	// Django: request.user in a template. Nil (anonymous) when no auth middleware ran.
	data["user"] = authx.CurrentUser(c)
	ginmw.Render(c, status, name, data)
}

// index is the tutorial's index page. Django: def index(request).
func index(c *gin.Context) {
	render(c, http.StatusOK, "index.html", "Index", nil)
}

// home is the tutorial's home page: the logged-in user's account. The global login
// middleware sends anonymous visitors to /login/?next=/home/ before this runs.
func home(c *gin.Context) {
	render(c, http.StatusOK, "home.html", "Home", nil)
}

// black is the view behind the tutorial's blacklisted URL. With the login middleware's
// blacklist on (settings.yaml), it never runs: the middleware answers 403 "This is an
// illegal URL" first.
func black(c *gin.Context) {
	render(c, http.StatusOK, "black.html", "Blacklisted page", nil)
}

// throttled is the page behind the tutorial's throttle (the "throttle" middleware of the
// settings file, attached to this route).
func throttled(c *gin.Context) {
	render(c, http.StatusOK, "throttled.html", "Throttled page", nil)
}

// ajaxPage serves the page whose script posts to ajaxEcho. Its route carries
// csrfx.EnsureCookie (Django: @ensure_csrf_cookie): the script reads the token from the
// cookie, so the cookie must be set even if the page printed no token.
func ajaxPage(c *gin.Context) {
	render(c, http.StatusOK, "ajax.html", "AJAX with a CSRF token", nil)
}

// maxEchoBytes bounds the JSON body of /ajax/echo/.
const maxEchoBytes = 4 << 10

// ajaxEcho answers the AJAX page's JSON post. The csrf middleware checked the X-CSRFToken
// header before this runs (process_view); a post without it never gets here (403).
func ajaxEcho(c *gin.Context) {
	var in struct {
		Message string `json:"message"`
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxEchoBytes)
	if err := c.ShouldBindJSON(&in); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "want a JSON object {\"message\": \"...\"} of at most 4 KiB"})
		return
	}
	if !utf8.ValidString(in.Message) || utf8.RuneCountInString(in.Message) > 200 {
		c.JSON(http.StatusBadRequest, gin.H{"error": "message: at most 200 characters of valid text"})
		return
	}
	out := gin.H{"echo": in.Message, "csrf": "checked"}
	if u := authx.CurrentUser(c); u != nil {
		out["user"] = u.Username
	}
	c.JSON(http.StatusOK, out)
}

// formErrors turns what UserManager.CreateUser or SetPassword returns into messages for
// the form. ok is false when err is not about the input (a database outage): that is the
// server's failure, for the error page, not the user's.
func formErrors(err error) (msgs []string, ok bool) {
	switch e := err.(type) {
	case *authx.PasswordValidationError:
		return []string{e.Message}, true
	case *authx.UserFieldError:
		if e.Field == "username" || e.Field == "email" { // Django's messages name the field already
			return []string{e.Message}, true
		}
		return []string{strings.ReplaceAll(e.Field, "_", " ") + ": " + e.Message}, true
	case interface{ Unwrap() []error }: // errors.Join, and PasswordValidationErrors
		for _, part := range e.Unwrap() {
			m, ok := formErrors(part)
			if !ok {
				return nil, false
			}
			msgs = append(msgs, m...)
		}
		return msgs, len(msgs) > 0
	}
	return nil, false
}

// flash adds a message for the next page. Django: messages.success(request, text,
// fail_silently=True): without the messages middleware (commented out of the settings
// file) there is nowhere to keep it, and the page works without it.
func (s *site) flash(c *gin.Context, text string) {
	if err := messages.Success(c, text); err != nil && !errors.Is(err, messages.ErrNoMiddleware) {
		s.log.WarnContext(c.Request.Context(), "example: flash message lost", "err", err)
	}
}
