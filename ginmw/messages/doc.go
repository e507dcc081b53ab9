// Package messages is Django's messages framework (django.contrib.messages) on Gin: one-time
// notifications ("Profile saved.") that a view leaves for the next page the user sees,
// typically across a redirect.
//
//	router.Use(ginmw.Chain(sessions, messages.Default()))
//
//	router.POST("/profile", func(c *gin.Context) {
//		// ... save ...
//		messages.Success(c, "Profile saved.")        // Django: messages.success(request, ...)
//		c.Redirect(http.StatusSeeOther, "/profile")
//	})
//
// A template rendered with ginmw.Render gets the messages as "messages" (Django's context
// processor), and reading them (All) marks them shown:
//
//	{{if .messages.Len}}<ul class="messages">
//	  {{range .messages.All}}<li class="{{.Tags}}">{{.}}</li>{{end}}
//	</ul>{{end}}
//
// Templates rendered with c.HTML use FuncMap instead.
//
// Levels are Django's (debug 10, info 20, success 25, warning 30, error 40, or any integer);
// messages below Config.Level (MESSAGE_LEVEL, default info) are dropped when added, and
// Config.Tags (MESSAGE_TAGS) renames a level's CSS tag. Messages are kept in the session
// under "_messages", in Django's own JSON format, so the sessions middleware must be above
// this one; a request that neither adds nor reads messages does not touch the session.
// Texts are plain text: html/template escapes them.
//
// The middleware is registered as "messages" and refuses a settings list without
// "sessions" above it.
package messages
