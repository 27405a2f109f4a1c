package main

import (
	"errors"
	"fmt"
)

// Exit codes of the binary.
const (
	exitOK = 0
	// exitFailure: lint problems, a failed workflow test, an error response
	// of the daemon, an unsupported command.
	exitFailure = 1
	// exitUsage: invalid flags or arguments, and I/O errors such as an
	// unreadable file or an unreachable daemon.
	exitUsage = 2
)

// exitError carries the exit code of a command's error to main.
type exitError struct {
	code int
	err  error
	// quiet is true when the command already printed everything the user
	// needs, such as lint problems, so main prints nothing more.
	quiet bool
	// usage is true for invalid flags or arguments, so main points to --help.
	usage bool
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError marks err as a usage error (exit 2).
func usageError(err error) error { return &exitError{code: exitUsage, err: err, usage: true} }

// usageErrorf formats a usage error (exit 2).
func usageErrorf(format string, args ...any) error {
	return usageError(fmt.Errorf(format, args...))
}

// ioError marks err as an I/O error (exit 2).
func ioError(err error) error { return &exitError{code: exitUsage, err: err} }

// failure marks err as a failure (exit 1).
func failure(err error) error { return &exitError{code: exitFailure, err: err} }

// silentFailure ends the command with exit 1 after it printed its own
// report.
func silentFailure() error { return &exitError{code: exitFailure, quiet: true} }

// exitCode maps an error returned by the root command to the process exit
// code. Untyped errors are failures.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return exitFailure
}

// isQuiet reports whether main should print nothing for err.
func isQuiet(err error) bool {
	var e *exitError
	return errors.As(err, &e) && e.quiet
}

// isUsage reports whether err is a usage error.
func isUsage(err error) bool {
	var e *exitError
	return errors.As(err, &e) && e.usage
}
