package main

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/authx"
)

// registerForm shows the sign-up form. Django: the tutorial's register view on GET.
func (s *site) registerForm(c *gin.Context) {
	render(c, http.StatusOK, "register.html", "Register", gin.H{"help": s.users.PasswordHelpTexts()})
}

// register creates an account. Django, in the tutorial:
//
//	User.objects.create_user(username=username, password=password)
//
// (never User.objects.create, which would store the raw password). UserManager.CreateUser is
// create_user plus what Django leaves to UserCreationForm: the username and the password
// validators, every problem reported at once. The new user then logs in through the form.
func (s *site) register(c *gin.Context) {
	form := gin.H{
		"username": c.PostForm("username"),
		"phone":    strings.TrimSpace(c.PostForm("phone")),
		"avatar":   strings.TrimSpace(c.PostForm("avatar")),
	}
	fail := func(msgs ...string) {
		render(c, http.StatusOK, "register.html", "Register", gin.H{
			"form": form, "errors": msgs, "help": s.users.PasswordHelpTexts(),
		})
	}
	password := c.PostForm("password1")
	if password != c.PostForm("password2") {
		fail("The two password fields didn’t match.") // Django's UserCreationForm message
		return
	}
	extra := authx.Extra{"avatar": form["avatar"]}
	if phone := form["phone"].(string); phone != "" {
		n, err := phoneField.Parse(phone)
		if err != nil || n.(int64) < 0 {
			fail("phone: Enter a whole number.") // Django's IntegerField message
			return
		}
		extra["phone"] = n
	}
	u, err := s.users.CreateUser(c.Request.Context(), authx.UserParams{
		Username: form["username"].(string), Password: password, Extra: extra,
	})
	if err != nil {
		msgs, ok := formErrors(err)
		if !ok {
			_ = c.Error(err) // the database's failure, not the user's: the error page
			return
		}
		fail(msgs...)
		return
	}
	s.flash(c, "Welcome, "+u.Username+": your account is ready. Log in to continue.")
	c.Redirect(http.StatusSeeOther, "/login/")
}
