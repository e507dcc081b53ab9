package authx

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/djin-go/djin/csrfx"
	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
	"golang.org/x/text/unicode/norm"
)

// The ready views: Django's LoginView, LogoutView, PasswordChangeView and
// PasswordChangeDoneView, as methods of an Auth usable as gin handlers. Mount puts them at
// Django's URLs with the route decorators Django applies (csrf_protect, login_required,
// login_not_required); mounting them by hand, keep csrfx.Protect (or the csrf middleware)
// in front of them.

//go:embed templates/*.html
var templateFS embed.FS

// The messages of Django's forms, verbatim.
const (
	msgInvalidLogin     = "Please enter a correct username and password. Note that both fields may be case-sensitive."
	msgRequired         = "This field is required."
	msgLockedOut        = "Too many failed login attempts. Please try again later."
	msgPasswordMismatch = "The two password fields didn’t match."
	msgOldPassword      = "Your old password was entered incorrectly. Please enter it again."
)

// maxFormBytes bounds the body the views read: a login form is a few hundred bytes.
const maxFormBytes = 64 << 10

// LoginPage is the data of the "login.html" template.
type LoginPage struct {
	Context           *gin.Context  // the request, for template functions such as csrfx's
	Username          string        // the username typed, to fill the field again
	Error             string        // why the login failed; "" on a first display
	LockedOut         bool          // the throttle refused the attempt
	Next              string        // the page to go to after login
	RedirectFieldName string        // the form field carrying Next ("next")
	CSRFInput         template.HTML // the hidden CSRF field, Django's {% csrf_token %}
}

// LoggedOutPage is the data of the "logged_out.html" template.
type LoggedOutPage struct {
	Context  *gin.Context
	LoginURL string
}

// PasswordChangePage is the data of the "password_change.html" template.
type PasswordChangePage struct {
	Context           *gin.Context
	User              *User
	OldPasswordErrors []string // under the old password field
	NewPasswordErrors []string // under the new password fields: mismatch, validators
	NonFieldErrors    []string // above the form
	HelpTexts         []string // the password validators' rules
	CSRFInput         template.HTML
}

// PasswordChangeDonePage is the data of the "password_change_done.html" template.
type PasswordChangeDonePage struct {
	Context *gin.Context
	User    *User
}

var pageNames = [...]string{"login.html", "logged_out.html", "password_change.html", "password_change_done.html"}

// pages are the views' templates: the embedded ones, each replaced by the application's if
// its set defines the same name.
type pages struct {
	byName map[string]*template.Template
}

func loadPages(override *template.Template) (*pages, error) {
	embedded, err := template.New("authx").Funcs(csrfx.FuncMap()).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range pageNames {
		t := embedded.Lookup(name)
		if override != nil {
			if o := override.Lookup(name); o != nil {
				t = o
			}
		}
		if t == nil {
			return nil, fmt.Errorf("template %q is missing", name)
		}
		p.byName[name] = t
	}
	return p, nil
}

// render executes a page into a buffer first, so a failing template becomes an error
// response instead of half a page.
func (a *Auth) render(c *gin.Context, status int, name string, data any) {
	var buf bytes.Buffer
	if err := a.pages.byName[name].Execute(&buf, data); err != nil {
		deny(c, http.StatusInternalServerError, fmt.Errorf("authx: render %s: %w", name, err))
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// neverCache marks a response as not to be stored anywhere (Django's never_cache).
func neverCache(c *gin.Context) {
	c.Header("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private")
	c.Header("Expires", "Thu, 01 Jan 1970 00:00:00 GMT")
}

// readForm parses a urlencoded or multipart form of at most maxFormBytes.
func readForm(c *gin.Context) error {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBytes)
	var err error
	if c.ContentType() == "multipart/form-data" {
		err = c.Request.ParseMultipartForm(maxFormBytes)
	} else {
		err = c.Request.ParseForm()
	}
	if err != nil {
		return fmt.Errorf("%w: unreadable form: %v", ginmw.ErrBadRequest, err)
	}
	return nil
}

// successURL returns next when it is safe to redirect to (Django's
// url_has_allowed_host_and_scheme with the request's host and AllowedRedirectHosts, HTTPS
// required on HTTPS requests), else fallback.
func (a *Auth) successURL(c *gin.Context, next, fallback string) string {
	allowed := make([]string, 0, 1+len(a.allowedHosts))
	allowed = append(allowed, ginmw.Host(c))
	allowed = append(allowed, a.allowedHosts...)
	return SafeRedirect(next, allowed, ginmw.IsSecure(c), fallback)
}

// nextParam reads the next page from the POST form, else the query string (Django's
// RedirectURLMixin.get_redirect_url).
func (a *Auth) nextParam(c *gin.Context) string {
	if c.Request.PostForm != nil {
		if v, ok := c.Request.PostForm[a.redirectField]; ok && len(v) > 0 {
			return v[0]
		}
	}
	return c.Query(a.redirectField)
}

// cleanUsername is Django's UsernameField.to_python: surrounding space stripped, then NFKC,
// unless the value is too long to be a username (normalising it would only cost time:
// CVE-2023-46695).
func cleanUsername(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > MaxUsernameLength {
		return s
	}
	return norm.NFKC.String(s)
}

func methodNotAllowed(c *gin.Context, allow string) {
	c.Header("Allow", allow)
	deny(c, http.StatusMethodNotAllowed, fmt.Errorf("%w: %s", ginmw.ErrMethodNotAllowed, c.Request.Method))
}

// LoginHandler is Django's LoginView: GET shows the form, POST authenticates (through the
// throttle), logs in and redirects to a safe next page or LoginRedirectURL. A failed login
// shows one message whatever went wrong; a throttled one answers 429 with Retry-After, the
// same for every username.
func (a *Auth) LoginHandler(c *gin.Context) {
	neverCache(c)
	page := LoginPage{Context: c, RedirectFieldName: a.redirectField}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead:
		page.Next = a.nextParam(c)
		if a.redirectAuthenticated && CurrentUser(c) != nil {
			a.redirectLoggedIn(c, page.Next)
			return
		}
		page.CSRFInput = csrfx.Input(c)
		a.render(c, http.StatusOK, "login.html", page)
		return
	case http.MethodPost:
	default:
		methodNotAllowed(c, "GET, HEAD, POST")
		return
	}
	if err := readForm(c); err != nil {
		deny(c, http.StatusBadRequest, err)
		return
	}
	page.Next = a.nextParam(c)
	page.Username = cleanUsername(c.Request.PostForm.Get("username"))
	password := c.Request.PostForm.Get("password")
	status := http.StatusOK
	if page.Username == "" || password == "" {
		page.Error = msgRequired
	} else {
		u, err := a.Authenticate(c, page.Username, password)
		var locked *LockedOutError
		switch {
		case err == nil:
			if err := a.Login(c, u, ""); err != nil {
				deny(c, http.StatusInternalServerError, err)
				return
			}
			c.Redirect(http.StatusFound, a.successURL(c, page.Next, a.loginRedirect))
			return
		case errors.As(err, &locked):
			status = http.StatusTooManyRequests
			c.Header("Retry-After", strconv.Itoa(locked.RetryAfterSeconds()))
			page.Error, page.LockedOut = msgLockedOut, true
		case errors.Is(err, ErrInvalidCredentials):
			page.Error = msgInvalidLogin
		default:
			deny(c, http.StatusInternalServerError, err)
			return
		}
	}
	page.CSRFInput = csrfx.Input(c)
	a.render(c, status, "login.html", page)
}

// redirectLoggedIn sends an already logged-in visitor of the login page on, refusing a
// redirect back to the login page itself (Django raises "Redirection loop for authenticated
// user detected").
func (a *Auth) redirectLoggedIn(c *gin.Context, next string) {
	to := a.successURL(c, next, a.loginRedirect)
	if to == c.Request.URL.Path || to == c.Request.URL.RequestURI() {
		deny(c, http.StatusInternalServerError, errors.New("authx: redirection loop for authenticated user detected: "+
			"check that LoginRedirectURL does not point to the login page"))
		return
	}
	c.Redirect(http.StatusFound, to)
}

// LogoutHandler is Django's LogoutView: POST only (a GET gets 405, since Django 5.0: a link
// or an image must not log anyone out), then Logout and a redirect to a safe next page or
// LogoutRedirectURL, or the logged_out.html page when neither is set.
func (a *Auth) LogoutHandler(c *gin.Context) {
	neverCache(c)
	if c.Request.Method != http.MethodPost {
		methodNotAllowed(c, "POST")
		return
	}
	if err := readForm(c); err != nil {
		deny(c, http.StatusBadRequest, err)
		return
	}
	next := a.nextParam(c)
	if err := a.Logout(c); err != nil {
		// The user must not believe they are logged out while the server keeps the session.
		deny(c, http.StatusServiceUnavailable, err)
		return
	}
	if to := a.successURL(c, next, a.logoutRedirect); to != "" && to != c.Request.URL.RequestURI() {
		c.Redirect(http.StatusFound, to)
		return
	}
	a.render(c, http.StatusOK, "logged_out.html", LoggedOutPage{Context: c, LoginURL: a.loginURL})
}

// PasswordChangeHandler is Django's PasswordChangeView (login required): GET shows the form;
// POST checks the old password (through the login throttle, so a hijacked session cannot
// guess it at leisure), that the new one was typed twice alike and passes the validators,
// then saves it (ChangePassword: this session stays logged in, the user's other sessions
// end) and redirects to PasswordChangeDoneURL.
func (a *Auth) PasswordChangeHandler(c *gin.Context) {
	neverCache(c)
	u := CurrentUser(c)
	if u == nil {
		a.requireLogin(c, "", "")
		return
	}
	page := PasswordChangePage{Context: c, User: u, HelpTexts: a.users.PasswordHelpTexts()}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead:
		page.CSRFInput = csrfx.Input(c)
		a.render(c, http.StatusOK, "password_change.html", page)
		return
	case http.MethodPost:
	default:
		methodNotAllowed(c, "GET, HEAD, POST")
		return
	}
	if err := readForm(c); err != nil {
		deny(c, http.StatusBadRequest, err)
		return
	}
	form := c.Request.PostForm
	oldPassword, new1, new2 := form.Get("old_password"), form.Get("new_password1"), form.Get("new_password2")
	status := http.StatusOK
	switch {
	case oldPassword == "":
		page.OldPasswordErrors = []string{msgRequired}
	default:
		ok, err := a.checkOldPassword(c, u, oldPassword)
		var locked *LockedOutError
		switch {
		case errors.As(err, &locked):
			status = http.StatusTooManyRequests
			c.Header("Retry-After", strconv.Itoa(locked.RetryAfterSeconds()))
			page.NonFieldErrors = []string{msgLockedOut}
		case err != nil:
			deny(c, http.StatusInternalServerError, err)
			return
		case !ok:
			page.OldPasswordErrors = []string{msgOldPassword}
		}
	}
	switch {
	case new1 == "" || new2 == "":
		page.NewPasswordErrors = []string{msgRequired}
	case new1 != new2:
		page.NewPasswordErrors = []string{msgPasswordMismatch}
	case page.OldPasswordErrors == nil && page.NonFieldErrors == nil:
		err := a.ChangePassword(c, u, new2)
		var rejected PasswordValidationErrors
		switch {
		case err == nil:
			c.Redirect(http.StatusFound, a.passwordDone)
			return
		case errors.As(err, &rejected):
			page.NewPasswordErrors = rejected.Messages()
		default:
			deny(c, http.StatusInternalServerError, err)
			return
		}
	default:
		// Django validates the new password even when the old one is wrong.
		var rejected PasswordValidationErrors
		if errors.As(a.users.ValidatePassword(new2, u), &rejected) {
			page.NewPasswordErrors = rejected.Messages()
		}
	}
	page.CSRFInput = csrfx.Input(c)
	a.render(c, status, "password_change.html", page)
}

func (a *Auth) checkOldPassword(c *gin.Context, u *User, raw string) (bool, error) {
	done, err := a.throttle.Begin(c, u.Username)
	if err != nil {
		return false, err
	}
	ok, err := a.users.CheckPassword(c.Request.Context(), u, raw)
	done(ok && err == nil)
	if errors.Is(err, ErrPasswordTooLong) {
		return false, nil
	}
	return ok, err
}

// PasswordChangeDoneHandler is Django's PasswordChangeDoneView (login required).
func (a *Auth) PasswordChangeDoneHandler(c *gin.Context) {
	neverCache(c)
	u := CurrentUser(c)
	if u == nil {
		a.requireLogin(c, "", "")
		return
	}
	a.render(c, http.StatusOK, "password_change_done.html", PasswordChangeDonePage{Context: c, User: u})
}

// Mount adds the views to r at Django's paths (django.contrib.auth.urls), relative to r:
//
//	login/                 LoginHandler                GET, HEAD, POST
//	logout/                LogoutHandler               POST (other methods: 405)
//	password_change/       PasswordChangeHandler       GET, HEAD, POST
//	password_change/done/  PasswordChangeDoneHandler   GET, HEAD
//
// with csrfx.Protect on each (Django's csrf_protect: checked even where the csrf middleware
// is off, and once when it is on) and LoginNotRequired on login and logout. Mount them under
// the group of the login URL: auth.Mount(router.Group("/accounts")).
func (a *Auth) Mount(r gin.IRoutes) {
	login := []gin.HandlerFunc{csrfx.Protect, LoginNotRequired, a.LoginHandler}
	change := []gin.HandlerFunc{csrfx.Protect, a.PasswordChangeHandler}
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost} {
		r.Handle(m, "login/", login...)
		r.Handle(m, "password_change/", change...)
	}
	r.Any("logout/", csrfx.Protect, LoginNotRequired, a.LogoutHandler)
	r.GET("password_change/done/", a.PasswordChangeDoneHandler)
	r.HEAD("password_change/done/", a.PasswordChangeDoneHandler)
}
