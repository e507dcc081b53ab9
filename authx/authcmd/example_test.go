package authcmd_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/djin-go/djin/authx"
	"github.com/djin-go/djin/authx/authcmd"
)

// createsuperuser --noinput, as a deployment script runs it.
func ExampleRun_noinput() {
	users, err := authx.NewUserManager(authx.UserManagerConfig{Store: authx.DefaultMemoryStore()})
	if err != nil {
		panic(err)
	}
	env := map[string]string{"DJIN_SUPERUSER_PASSWORD": "correct horse battery"}
	err = authcmd.Run(context.Background(),
		[]string{"createsuperuser", "--username", "admin", "--email", "admin@example.com", "--noinput"},
		authcmd.Env{Users: users, Stdout: os.Stdout, Getenv: func(k string) string { return env[k] }})
	fmt.Println("error:", err)
	// Output:
	// Superuser created successfully.
	// error: <nil>
}

// The interactive questions, answered from any reader.
func ExampleRun_interactive() {
	users, err := authx.NewUserManager(authx.UserManagerConfig{Store: authx.DefaultMemoryStore()})
	if err != nil {
		panic(err)
	}
	answers := strings.NewReader("admin\nadmin@example.com\ncorrect horse battery\ncorrect horse battery\n")
	err = authcmd.Run(context.Background(), []string{"createsuperuser"},
		authcmd.Env{Users: users, Stdin: answers, Stdout: os.Stdout, Getenv: func(string) string { return "" }})
	fmt.Println("error:", err)
	// Output:
	// Username: Email address: Password: Password (again): Superuser created successfully.
	// error: <nil>
}
