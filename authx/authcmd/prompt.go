package authcmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// maxAnswer bounds one answer line, so that a runaway input cannot grow memory without limit.
const maxAnswer = 4096

// prompter asks questions on out and reads the answers line by line from in. Passwords are
// read without echo when in is a terminal, and as plain lines otherwise (pipes, tests).
type prompter struct {
	in  *bufio.Reader
	out io.Writer
	tty *os.File
}

func newPrompter(in io.Reader, out io.Writer) *prompter {
	p := &prompter{in: bufio.NewReader(in), out: out}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = f
	}
	return p
}

// line asks prompt and returns the answer without its line ending. The end of the input
// before an answer is ErrAborted.
func (p *prompter) line(prompt string) (string, error) {
	fmt.Fprint(p.out, prompt)
	var b strings.Builder
	for {
		chunk, err := p.in.ReadSlice('\n')
		b.Write(chunk)
		if b.Len() > maxAnswer {
			return "", fmt.Errorf("%w: an answer is longer than %d bytes", ErrFailed, maxAnswer)
		}
		switch {
		case err == nil:
			return strings.TrimRight(b.String(), "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && b.Len() > 0:
			return strings.TrimRight(b.String(), "\r\n"), nil
		case errors.Is(err, io.EOF):
			fmt.Fprintln(p.out)
			return "", ErrAborted
		default:
			return "", fmt.Errorf("authcmd: reading the answer: %w", err)
		}
	}
}

// password asks for a password, without echo on a terminal.
func (p *prompter) password(prompt string) (string, error) {
	if p.tty == nil {
		return p.line(prompt)
	}
	fmt.Fprint(p.out, prompt)
	b, err := term.ReadPassword(int(p.tty.Fd()))
	fmt.Fprintln(p.out)
	if err != nil {
		return "", fmt.Errorf("authcmd: reading the password: %w", err)
	}
	return string(b), nil
}

// yes asks a yes/no question whose default is no.
func (p *prompter) yes(prompt string) (bool, error) {
	answer, err := p.line(prompt)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
