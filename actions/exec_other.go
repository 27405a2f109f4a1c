//go:build !unix

package actions

import (
	"errors"
	"os/exec"
)

// useProcessGroup fails: exec actions rely on Unix process groups to kill
// a timed-out program together with its children.
func useProcessGroup(*exec.Cmd) error {
	return errors.New("exec actions are supported on Unix systems only")
}

// killGroup does nothing: useProcessGroup already failed.
func killGroup(*exec.Cmd) {}
